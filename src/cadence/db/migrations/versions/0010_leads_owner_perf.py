"""leads owner perf — owned by D (segments/scoring perf, owners); empty until that part lands

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cadence.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "owner_history",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("contact_id", ident, nullable=False),
        sa.Column("from_owner", sa.String(length=255), nullable=True),
        sa.Column("to_owner", sa.String(length=255), nullable=True),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_history")),
    )
    op.create_index("ix_owner_history_contact_id", "owner_history", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_owner_history_contact_id", table_name="owner_history")
    op.drop_table("owner_history")
