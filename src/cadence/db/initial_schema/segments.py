"""Migration 0001, segments: definitions, members, membership history, re-check schedule."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types


def create() -> None:
    op.create_table(
        "schedule",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("due_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref_id", "contact_id", name=op.f("pk_schedule")),
    )
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_due_at"), ["due_at"], unique=False)
    op.create_table(
        "segment_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.Column(
            "reason",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_history")),
    )
    with op.batch_alter_table("segment_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_history_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_segment_history_segment_id"), ["segment_id"], unique=False
        )
    op.create_table(
        "segments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "condition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("managed_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("updated_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("key", name=op.f("uq_segments_key")),
    )
    op.create_table(
        "segment_members",
        sa.Column(
            "segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("entered_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("next_check_at", cadence.db.types.Millis(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_segment_members_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_segment_members_segment_id_segments")
        ),
        sa.PrimaryKeyConstraint("segment_id", "contact_id", name=op.f("pk_segment_members")),
    )
    with op.batch_alter_table("segment_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_segment_members_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_segment_members_next_check_at"), ["next_check_at"], unique=False
        )


def drop() -> None:
    with op.batch_alter_table("segment_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_members_next_check_at"))
        batch_op.drop_index(batch_op.f("ix_segment_members_contact_id"))

    op.drop_table("segment_members")

    op.drop_table("segments")

    with op.batch_alter_table("segment_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_history_segment_id"))
        batch_op.drop_index(batch_op.f("ix_segment_history_contact_id"))

    op.drop_table("segment_history")

    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_due_at"))

    op.drop_table("schedule")
