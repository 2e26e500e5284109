"""sending, policy and campaigns: campaigns and the send jobs' state machine (A2)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cadence.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str, *, nullable: bool, autoincrement: bool = False) -> sa.Column[int]:
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column(name, kind, nullable=nullable, autoincrement=autoincrement)


def _ms(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, cadence.db.types.Millis(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        _id("id", autoincrement=True, nullable=False),
        sa.Column("message_key", sa.String(length=128), nullable=False),
        sa.Column("segment_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ms("send_at", nullable=True),
        _id("cursor", nullable=False),
        _ms("created_at", nullable=False),
        _ms("started_at", nullable=True),
        _ms("enqueued_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_send_at"), "campaigns", ["send_at"])
    op.create_table(
        "send_jobs",
        _id("id", autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        _id("contact_id", nullable=False),
        sa.Column("message_key", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        _id("campaign_id", nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _id("send_id", nullable=True),
        _ms("due_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ms("lease_until", nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        _ms("created_at", nullable=False),
        _ms("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_send_jobs_idempotency_key")),
    )
    for columns in (["contact_id"], ["campaign_id"], ["send_id"]):
        op.create_index(op.f(f"ix_send_jobs_{columns[0]}"), "send_jobs", columns)
    op.create_index("ix_send_jobs_state_due_at", "send_jobs", ["state", "due_at"])


def downgrade() -> None:
    op.drop_table("send_jobs")
    op.drop_index(op.f("ix_campaigns_send_at"), table_name="campaigns")
    op.drop_table("campaigns")
