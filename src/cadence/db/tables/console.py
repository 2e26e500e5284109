"""The console: users, sessions, sign-in throttling; insights: models, predictions, actions."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from cadence.db.tables.base import metadata
from cadence.db.types import Id, Json, Millis

# --- console: users, sessions, insights, predictive models (migration 0009) ---

console_users = Table(
    "console_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # admin, marketer, sales, read-only
    Column("password_hash", String(255), nullable=False),  # argon2id
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Millis, nullable=False),
    Column("last_login_at", Millis, nullable=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    # sha256 of the cookie's token: a stolen database does not yield live sessions
    Column("token_hash", String(64), primary_key=True),
    Column(
        "user_id",
        Id,
        ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("expires_at", Millis, nullable=False),
)

console_login_failures = Table(
    "console_login_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("ip", String(64), nullable=True),
    Column("at", Millis, nullable=False),
)
Index(
    "ix_console_login_failures_email_at",
    console_login_failures.c.email,
    console_login_failures.c.at,
)

# insights (C2): trained predictive models with their metrics (the model itself as a pickle
# we wrote), the active model's prediction per contact with its reasons, and one row per
# suggestion applied. contacts.predicted_conversion mirrors the probability for conditions.
model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("active", Boolean, nullable=False, default=False),
    Column("trained_at", Millis, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("cutoff", Millis, nullable=False),
    Column("summary", Json, nullable=False),
    Column("model", LargeBinary, nullable=False),
)

contact_predictions = Table(
    "contact_predictions",
    metadata,
    Column("contact_id", Id, primary_key=True),
    Column("model_version", Id, nullable=False),
    Column("probability", Float, nullable=False),
    Column("contributions", Json, nullable=False),
    Column("scored_at", Millis, nullable=False),
)

suggestion_actions = Table(
    "suggestion_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("suggestion_id", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("changed", Integer, nullable=False),
    Column("detail", Json, nullable=False),
    Column("at", Millis, nullable=False),
)
