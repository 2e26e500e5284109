"""Contacts, identities, events, accounts, segments, keys, the outbox and due work."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from cadence.db.tables.base import metadata
from cadence.db.types import Id, Json, Millis

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
    # insights: the active model's probability of converting (None before any model)
    Column("predicted_conversion", Float, nullable=True),
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
# (name, ts, contact_id): windowed counts per contact read the index alone (migration 0011)
Index("ix_events_name_ts_contact", events.c.name, events.c.ts, events.c.contact_id)

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
    # no foreign keys: a rebuild writes a row per member and each check locked the contact
    # (migration 0011); erasure, merges and segment removal delete memberships themselves
    Column("segment_id", Id, primary_key=True),
    Column("contact_id", Id, primary_key=True, index=True),
    Column("entered_at", Millis, nullable=False),
    Column("next_check_at", Millis, nullable=True),  # unused: re-checks live in `schedule`
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
