"""The schema, as SQLAlchemy Core tables (migrations are generated from these)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cadence.db.types import Id, Json, Millis

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", String(255), nullable=True, unique=True),
    Column("email", String(320), nullable=True, index=True),
    Column("traits", Json, nullable=False),
    # trait name -> epoch ms of the event that last set it (older events never overwrite)
    Column("trait_times", Json, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Column("first_seen_at", Millis, nullable=True),
    Column("last_seen_at", Millis, nullable=True),
    Column("order_count", Integer, nullable=False, default=0),
    Column("revenue_total", Float, nullable=False, default=0.0),
    Column("first_order_at", Millis, nullable=True),
    Column("last_order_at", Millis, nullable=True),
    Column("last_response_at", Millis, nullable=True),
    Column("has_preferences", Boolean, nullable=False, default=False),
    Column("profile_level", Integer, nullable=False, default=0),
    # set when this contact was merged into another; the row stays as a redirect
    Column("merged_into", Id, nullable=True),
    # lead management: decayed score stored as (score, score_as_of), see scoring/decay.py
    Column("score", Float, nullable=False, default=0.0),
    Column("score_as_of", Millis, nullable=True),
    Column("band", Integer, nullable=False, default=5),
    Column("fit", Float, nullable=False, default=0.0),
    Column("grade", String(1), nullable=False, default="E"),
    Column("lifecycle_stage", String(16), nullable=False, default="lead"),
    Column("owner", String(255), nullable=True),
)

identities = Table(
    "identities",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False, index=True),
    Column("created_at", Millis, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("name", String(255), nullable=True),
    Column("ts", Millis, nullable=False),
    Column("received_at", Millis, nullable=False),
    Column("properties", Json, nullable=False),
    Column("context", Json, nullable=True),
)
Index("ix_events_name_ts", events.c.name, events.c.ts)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("group_id", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=True),
    Column("traits", Json, nullable=False),
    Column("trait_times", Json, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)

contact_accounts = Table(
    "contact_accounts",
    metadata,
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), primary_key=True, index=True),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("linked_at", Millis, nullable=False),
)

merges = Table(
    "merges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("from_contact_id", Id, nullable=False, index=True),
    Column("into_contact_id", Id, nullable=False, index=True),
    Column("reason", String(255), nullable=False),
    Column("message_id", String(255), nullable=True),
    Column("at", Millis, nullable=False),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("email_hash", String(64), primary_key=True),
    Column("reason", String(32), nullable=False),
    Column("created_at", Millis, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scope", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("revoked_at", Millis, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("contact_id", Id, nullable=True, index=True),
    Column("payload", Json, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("published_at", Millis, nullable=True, index=True),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("kind", String(16), nullable=False),  # dynamic | static
    Column("condition", Json, nullable=True),
    # "workspace" segments are owned by the applied workspace file; "api" ones by API calls
    Column("managed_by", String(16), nullable=False, default="api"),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)

segment_members = Table(
    "segment_members",
    metadata,
    Column("segment_id", ForeignKey("segments.id"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True, index=True),
    Column("entered_at", Millis, nullable=False),
    # when a time window in the condition may next change the answer
    Column("next_check_at", Millis, nullable=True, index=True),
)

segment_history = Table(
    "segment_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("segment_id", Id, nullable=False, index=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("action", String(8), nullable=False),  # entered | exited
    Column("at", Millis, nullable=False),
    Column("reason", Json, nullable=True),
)

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
schedule = Table(
    "schedule",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("ref_id", Id, primary_key=True),
    Column("contact_id", Id, primary_key=True),
    Column("due_at", Millis, nullable=False, index=True),
)

# Permission: the append-only, hash-chained consent ledger (the `consents` table above is
# the state folded from it), the stored chain head per contact, every gate decision and
# every message sent, which the gate reads for frequency choices and contact policy.
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

# --- sending, policy and campaigns (migration 0005) ---

# --- channels: tracking and bounces (migration 0006) ---

# --- decision points and their log (migration 0007) ---

# --- journeys (migration 0008) ---

# --- console: users, sessions, insights, predictive models (migration 0009) ---

# --- leads: owners, performance (migration 0010) ---
