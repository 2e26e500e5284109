"""decision points, their models and the decision log (B1)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    millis = cadence.db.types.Millis
    op.create_table(
        "decision_points",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("features", _json(), nullable=False),
        sa.Column("reward", _json(), nullable=True),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("managed_by", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", millis(), nullable=False),
        sa.Column("updated_at", millis(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_decision_points")),
    )
    op.create_table(
        "decision_models",
        sa.Column("point", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("arrays", sa.LargeBinary(), nullable=False),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.Column("updated_at", millis(), nullable=False),
        sa.Column("reward", _json(), nullable=True),
        sa.PrimaryKeyConstraint("point", "version", name=op.f("pk_decision_models")),
    )
    op.create_table(
        "decision_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("point", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("context", _json(), nullable=False),
        sa.Column("eligible", _json(), nullable=False),
        sa.Column("chosen", sa.String(length=128), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("draw", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("at", millis(), nullable=False),
        sa.Column("closes_at", millis(), nullable=True),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("reward_source", sa.String(length=16), nullable=True),
        sa.Column("rewarded_at", millis(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_log")),
    )
    with op.batch_alter_table("decision_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_log_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_log_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index("ix_decision_log_source", ["source"], unique=False)
        batch_op.create_index(
            "ix_decision_log_point_version_id", ["point", "version", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_log", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_log_point_version_id")
        batch_op.drop_index("ix_decision_log_source")
        batch_op.drop_index(batch_op.f("ix_decision_log_closes_at"))
        batch_op.drop_index(batch_op.f("ix_decision_log_contact_id"))
    op.drop_table("decision_log")
    op.drop_table("decision_models")
    op.drop_table("decision_points")
