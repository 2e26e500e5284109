"""journey owner tasks — owned by H2 (journeys): channel_tasks rows without a send

A journey's notify-owner step creates a ``follow_up`` task for the sales owner: it has no
send (nothing goes to the contact), no message and no topic, so those become nullable.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS = (
    ("send_id", _ID),
    ("message_key", sa.String(length=128)),
    ("topic", sa.String(length=64)),
)


def upgrade() -> None:
    with op.batch_alter_table("channel_tasks") as batch:
        for name, kind in _COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM channel_tasks WHERE send_id IS NULL")
    with op.batch_alter_table("channel_tasks") as batch:
        for name, kind in _COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
