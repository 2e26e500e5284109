"""journeys: versions, enrolments, due steps and step runs (B2)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", _JSON, nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("managed_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_journeys_key_version")),
    )
    op.create_table(
        "journey_enrolments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("journey_id", _ID, nullable=False),
        sa.Column("journey_key", sa.String(length=128), nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("finished_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("path", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_enrolments")),
    )
    op.create_index(op.f("ix_journey_enrolments_journey_id"), "journey_enrolments", ["journey_id"])
    op.create_index(
        "ix_journey_enrolments_contact_key", "journey_enrolments", ["contact_id", "journey_key"]
    )
    op.create_table(
        "journey_due",
        sa.Column("enrolment_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("waiting_for", sa.String(length=255), nullable=True),
        sa.Column("on_event", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_journey_due")),
    )
    op.create_index(op.f("ix_journey_due_contact_id"), "journey_due", ["contact_id"])
    op.create_index(op.f("ix_journey_due_due_at"), "journey_due", ["due_at"])
    op.create_table(
        "journey_runs",
        sa.Column("enrolment_id", _ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.Column("outcome", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", "seq", name=op.f("pk_journey_runs")),
    )


def downgrade() -> None:
    op.drop_table("journey_runs")
    op.drop_index(op.f("ix_journey_due_due_at"), table_name="journey_due")
    op.drop_index(op.f("ix_journey_due_contact_id"), table_name="journey_due")
    op.drop_table("journey_due")
    op.drop_index("ix_journey_enrolments_contact_key", table_name="journey_enrolments")
    op.drop_index(op.f("ix_journey_enrolments_journey_id"), table_name="journey_enrolments")
    op.drop_table("journey_enrolments")
    op.drop_table("journeys")
