"""console users insights — owned by C (console); empty until that part lands

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cadence.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _console_upgrade()
    _insights_upgrade()


def downgrade() -> None:
    _insights_downgrade()
    _console_downgrade()


# console (C1): users, their sessions and failed sign-ins.
def _console_upgrade() -> None:
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "console_users",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("last_login_at", cadence.db.types.Millis(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("email", name=op.f("uq_console_users_email")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ident, nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("expires_at", cadence.db.types.Millis(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name=op.f("fk_console_sessions_user_id_console_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_login_failures")),
    )
    op.create_index("ix_console_login_failures_email_at", "console_login_failures", ["email", "at"])


def _console_downgrade() -> None:
    op.drop_table("console_login_failures")
    op.drop_table("console_sessions")
    op.drop_table("console_users")


# insights (C2): predictive models, per-contact predictions, applied suggestions.
def _insights_upgrade() -> None:
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "model_versions",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_at", cadence.db.types.Millis(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("cutoff", cadence.db.types.Millis(), nullable=False),
        sa.Column("summary", json, nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
    )
    op.create_table(
        "contact_predictions",
        sa.Column("contact_id", ident, nullable=False),
        sa.Column("model_version", ident, nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("contributions", json, nullable=False),
        sa.Column("scored_at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_predictions")),
    )
    op.create_table(
        "suggestion_actions",
        sa.Column("id", ident, autoincrement=True, nullable=False),
        sa.Column("suggestion_id", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("detail", json, nullable=False),
        sa.Column("at", cadence.db.types.Millis(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_actions")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("predicted_conversion", sa.Float(), nullable=True))


def _insights_downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("predicted_conversion")
    op.drop_table("suggestion_actions")
    op.drop_table("contact_predictions")
    op.drop_table("model_versions")
