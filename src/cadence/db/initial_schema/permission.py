"""Migration 0001, permission: consent state per channel and topic, and suppressed addresses."""

import sqlalchemy as sa
from alembic import op

import cadence.db.types


def create() -> None:
    op.create_table(
        "suppressions",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_suppressions")),
    )
    op.create_table(
        "consents",
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=True),
        sa.Column("frequency", sa.String(length=16), nullable=True),
        sa.Column("paused_until", cadence.db.types.Millis(), nullable=True),
        sa.Column("expires_at", cadence.db.types.Millis(), nullable=True),
        sa.Column("updated_at", cadence.db.types.Millis(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_consents_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("contact_id", "channel", "topic", name=op.f("pk_consents")),
    )


def drop() -> None:
    op.drop_table("consents")

    op.drop_table("suppressions")
