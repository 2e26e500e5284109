"""Permission and leads: consent ledger and state, the gate's log, sends, lifecycle, webhook
deliveries, preference choices, subscribe forms, sales owners."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cadence.db.tables.base import metadata
from cadence.db.types import Id, Json, Millis

consents = Table(
    "consents",
    metadata,
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("topic", String(64), primary_key=True),  # "*" = all topics
    Column("status", String(16), nullable=False),  # granted | withdrawn | pending | expired
    Column("basis", String(32), nullable=True),
    Column("frequency", String(16), nullable=True),
    Column("paused_until", Millis, nullable=True),
    Column("expires_at", Millis, nullable=True),
    Column("updated_at", Millis, nullable=False),
)

# Work that falls due by time alone: a segment re-check when a window closes, a band change
# when a decaying score crosses a threshold. The scheduler takes only what is due.

consent_ledger = Table(
    "consent_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("basis", String(32), nullable=True),
    Column("source", String(32), nullable=False),
    Column("wording", Text, nullable=True),
    Column("ip", String(64), nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("at", Millis, nullable=False),
    Column("expires_at", Millis, nullable=True),
    Column("paused_until", Millis, nullable=True),
    Column("frequency", String(16), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

consent_heads = Table(
    "consent_heads",
    metadata,
    Column("contact_id", Id, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("entries", Integer, nullable=False),
)

gate_decisions = Table(
    "gate_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("at", Millis, nullable=False, index=True),
    Column("allowed", Boolean, nullable=False),
    Column("reason", String(32), nullable=True),
    Column("detail", Text, nullable=True),
    Column("source", String(128), nullable=True),
)

sends = Table(
    "sends",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("message_key", String(128), nullable=True),
    Column("source", String(128), nullable=True),  # campaign:12, journey:welcome:step-3, ...
    # one message per contact per source: a retry after a crash finds it and sends nothing
    Column("idempotency_key", String(255), nullable=True, unique=True),
    Column("status", String(16), nullable=False),  # queued | sent | failed | bounced
    Column("at", Millis, nullable=False),
)
Index("ix_sends_contact_channel_at", sends.c.contact_id, sends.c.channel, sends.c.at)

# Lead lifecycle: every transition, with its reason and who or which rule made it.
lifecycle_history = Table(
    "lifecycle_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("from_stage", String(16), nullable=True),
    Column("to_stage", String(16), nullable=False),
    Column("at", Millis, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(128), nullable=False),
)

# Outbound webhooks: one delivery per (webhook, outbox event); retried with back-off.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("webhook", String(128), nullable=False),
    Column("outbox_id", Id, nullable=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Millis, nullable=True, index=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", Millis, nullable=True),
    UniqueConstraint("webhook", "outbox_id"),
)

# Permission: what people chose in the preference center or by one-click unsubscribe
# (reduced frequency, paused, left a topic, left everything), for the marketers' report.
preference_choices = Table(
    "preference_choices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("channel", String(32), nullable=True),
    Column("topic", String(64), nullable=True),
    Column("source", String(32), nullable=False),
    Column("at", Millis, nullable=False, index=True),
)

# Subscribe forms: every display with the incentive shown to the visitor's audience, and
# every submission attempt (abuse and rate-limit log; IPs only as keyed hashes).
form_views = Table(
    "form_views",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("form_key", String(64), nullable=False, index=True),
    Column("incentive_key", String(64), nullable=True),
    Column("audience", String(64), nullable=False),
    Column("ip_hash", String(64), nullable=True),
    Column("shown_at", Millis, nullable=False),
    Column("submitted_at", Millis, nullable=True),
    Column("contact_id", Id, nullable=True),
)

form_submissions = Table(
    "form_submissions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("form_key", String(64), nullable=False),
    Column("view_id", Id, nullable=True),
    Column("ip_hash", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # accepted, honeypot, invalid, limited ...
    Column("at", Millis, nullable=False),
)
Index("ix_form_submissions_ip_hash_at", form_submissions.c.ip_hash, form_submissions.c.at)

# --- leads: owners, performance (migration 0010) ---
# Who owns a lead in sales, and every change of owner (the CRM gets it through the outbox).
owner_history = Table(
    "owner_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("from_owner", String(255), nullable=True),
    Column("to_owner", String(255), nullable=True),
    Column("at", Millis, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(128), nullable=False),
)
