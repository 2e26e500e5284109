"""channels: bounce log, tasks for people, ad audience syncs — owned by A1 (channels)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_MILLIS = cadence.db.types.Millis


def _index(table: str, *columns: str, unique: bool = False) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=unique)


def upgrade() -> None:
    op.create_table(
        "bounce_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("send_id", _ID, nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("report_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", _MILLIS(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bounce_log"),
    )
    _index("bounce_log", "send_id")
    _index("bounce_log", "contact_id")
    _index("bounce_log", "at")
    _index("bounce_log", "email_hash", "at")
    _index("bounce_log", "report_hash", "email_hash", unique=True)
    op.create_table(
        "channel_tasks",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("send_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("message_key", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _MILLIS(), nullable=False),
        sa.Column("completed_at", _MILLIS(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_channel_tasks"),
        sa.UniqueConstraint("send_id", name="uq_channel_tasks_send_id"),
    )
    _index("channel_tasks", "contact_id")
    _index("channel_tasks", "owner")
    _index("channel_tasks", "kind", "status")
    op.create_table(
        "audience_members",
        sa.Column("segment_key", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("hashes", _JSON, nullable=False),
        sa.Column("synced_at", _MILLIS(), nullable=False),
        sa.PrimaryKeyConstraint(
            "segment_key", "platform", "contact_id", name="pk_audience_members"
        ),
    )
    op.create_table(
        "audience_syncs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("segment_key", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("at", _MILLIS(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audience_syncs"),
    )
    _index("audience_syncs", "segment_key")


def downgrade() -> None:
    op.drop_table("audience_syncs")
    op.drop_table("audience_members")
    op.drop_table("channel_tasks")
    op.drop_table("bounce_log")
