"""Sending: campaigns and send jobs; channels: bounces, tasks, ad audiences."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from cadence.db.tables.base import metadata
from cadence.db.types import Id, Json, Millis

# --- sending, policy and campaigns (migration 0005) ---

# One-off sends of a message to a segment; recipients are enqueued in chunks (cursor).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_key", String(128), nullable=False),
    Column("segment_key", String(128), nullable=False),
    Column("status", String(16), nullable=False),  # draft | scheduled | sending | done
    Column("send_at", Millis, nullable=True, index=True),
    Column("cursor", Id, nullable=False, default=0),  # last contact id enqueued
    Column("created_at", Millis, nullable=False),
    Column("started_at", Millis, nullable=True),
    Column("enqueued_at", Millis, nullable=True),
)

# Every request to send one message to one contact, and its state machine:
# queued -> sending -> sent | failed | unknown (killed after handing it over), or
# deferred (retry at due_at, re-gated) | blocked | dropped. ``sends`` holds the booking.
send_jobs = Table(
    "send_jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("message_key", String(128), nullable=False),
    Column("source", String(128), nullable=False),
    Column("campaign_id", Id, nullable=True, index=True),
    Column("channel", String(32), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("priority", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("detail", Text, nullable=True),
    Column("send_id", Id, nullable=True, index=True),
    Column("due_at", Millis, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", Millis, nullable=True),
    Column("provider_id", String(255), nullable=True),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)
Index("ix_send_jobs_state_due_at", send_jobs.c.state, send_jobs.c.due_at)

# --- channels: tracking and bounces (migration 0006) ---

# Every bounce and complaint that came back, matched to its send where possible
# (the deliverability dashboard reads this; soft bounces are counted here).
bounce_log = Table(
    "bounce_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("send_id", Id, nullable=True, index=True),
    Column("contact_id", Id, nullable=True, index=True),
    Column("email_hash", String(64), nullable=False),
    Column("report_hash", String(64), nullable=False),  # the same report twice counts once
    Column("kind", String(16), nullable=False),  # hard_bounce | soft_bounce | complaint
    Column("category", String(32), nullable=True),
    Column("status", String(16), nullable=True),  # the DSN status code, e.g. 5.1.1
    Column("diagnostic", Text, nullable=True),
    Column("suppressed", Boolean, nullable=False, default=False),
    Column("source", String(16), nullable=False),  # api | import
    Column("at", Millis, nullable=False, index=True),
)
Index("ix_bounce_log_email_hash_at", bounce_log.c.email_hash, bounce_log.c.at)
Index(
    "ix_bounce_log_report_hash_email_hash",
    bounce_log.c.report_hash,
    bounce_log.c.email_hash,
    unique=True,
)

# Work for people: calls for a contact's sales owner, letters for the mailing file.
channel_tasks = Table(
    "channel_tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # call | letter | follow_up
    # follow_up tasks (journeys' notify-owner, migration 0013) have no send, message or topic
    Column("send_id", Id, nullable=True, unique=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("owner", String(255), nullable=True, index=True),
    Column("message_key", String(128), nullable=True),
    Column("topic", String(64), nullable=True),
    Column("body", Text, nullable=False),
    Column("details", Json, nullable=False),  # phone number, or the postal address
    Column("status", String(16), nullable=False),  # open | done
    Column("created_at", Millis, nullable=False),
    Column("completed_at", Millis, nullable=True),
    Column("outcome", Text, nullable=True),
)
Index("ix_channel_tasks_kind_status", channel_tasks.c.kind, channel_tasks.c.status)

# Ad audiences: who was in the last export of a segment to a platform (hashed only), so
# the next sync can say who was added and who must be removed.
audience_members = Table(
    "audience_members",
    metadata,
    Column("segment_key", String(128), primary_key=True),
    Column("platform", String(16), primary_key=True),
    Column("contact_id", Id, primary_key=True),
    Column("hashes", Json, nullable=False),  # {"email": [...], "phone": [...]}
    Column("synced_at", Millis, nullable=False),
)

audience_syncs = Table(
    "audience_syncs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("segment_key", String(128), nullable=False, index=True),
    Column("platform", String(16), nullable=False),
    Column("members", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("at", Millis, nullable=False),
)
