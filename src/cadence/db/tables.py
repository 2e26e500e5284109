"""The schema, as SQLAlchemy Core tables (migrations are generated from these)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    Column("kind", String(16), nullable=False),  # call | letter
    Column("send_id", Id, nullable=False, unique=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("owner", String(255), nullable=True, index=True),
    Column("message_key", String(128), nullable=False),
    Column("topic", String(64), nullable=False),
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

# --- decision points and their log (migration 0007) ---

decision_points = Table(
    "decision_points",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("options", Json, nullable=False),  # of the current version
    Column("features", Json, nullable=False),  # feature names, e.g. "traits.persona"
    Column("reward", Json, nullable=True),  # {event, within_days, where, negative, penalty}
    Column("algorithm", String(16), nullable=False),  # thompson | linucb
    Column("epsilon", Float, nullable=False),  # the exploration floor
    Column("managed_by", String(128), nullable=False),  # workspace | journey:<key> ...
    Column("version", Integer, nullable=False),  # bumped when options or features change
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)

# One model per (point, version): the policy's parameters as JSON, its arrays as bytes.
decision_models = Table(
    "decision_models",
    metadata,
    Column("point", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("options", Json, nullable=False),
    Column("spec", Json, nullable=False),  # FeatureSpec.to_dict()
    Column("params", Json, nullable=False),  # kind, params, seed, names, priors
    Column("arrays", LargeBinary, nullable=False),  # cov, b, squares, counts (float64)
    Column("updates", Integer, nullable=False),  # rewards learnt: caches re-read when it moves
    Column("updated_at", Millis, nullable=False),
    Column("reward", Json, nullable=True),  # the reward definition this version learns
)

decision_log = Table(
    "decision_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("point", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("contact_id", Id, nullable=True, index=True),
    Column("context", Json, nullable=False),  # the raw value of each declared feature
    Column("eligible", Json, nullable=False),
    Column("chosen", String(128), nullable=False),
    Column("propensity", Float, nullable=False),
    Column("draw", BigInteger, nullable=False),  # the policy stream that decided: replayable
    Column("source", String(128), nullable=True),
    Column("at", Millis, nullable=False),
    Column("closes_at", Millis, nullable=True),  # the reward window; null: explicit rewards only
    Column("reward", Float, nullable=True),
    Column("reward_source", String(16), nullable=True),  # api | attributed | expired
    Column("rewarded_at", Millis, nullable=True),
)
Index(
    "ix_decision_log_point_version_id",
    decision_log.c.point,
    decision_log.c.version,
    decision_log.c.id,
)
Index("ix_decision_log_closes_at", decision_log.c.closes_at)
Index("ix_decision_log_source", decision_log.c.source)

# --- journeys (migration 0008) ---

# journeys (B2): every version of a journey (enrolments keep the version they started), the
# enrolments, the one due row per active enrolment (claimed with FOR UPDATE SKIP LOCKED), and
# one run row per executed step, keyed (enrolment, seq), written with the step's effects.
journeys = Table(
    "journeys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Json, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("managed_by", String(32), nullable=False),
    Column("created_at", Millis, nullable=False),
    UniqueConstraint("key", "version"),
)

journey_enrolments = Table(
    "journey_enrolments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("journey_id", Id, nullable=False, index=True),
    Column("journey_key", String(128), nullable=False),
    Column("contact_id", Id, nullable=False),
    Column("status", String(16), nullable=False),  # active | completed | converted | exited
    Column("entered_at", Millis, nullable=False),
    Column("finished_at", Millis, nullable=True),
    Column("reason", Text, nullable=True),
    Column("trigger", String(64), nullable=False),
    Column("path", Json, nullable=False),  # branch labels taken: ["split:a", "pick:guide"]
)
Index(
    "ix_journey_enrolments_contact_key",
    journey_enrolments.c.contact_id,
    journey_enrolments.c.journey_key,
)

journey_due = Table(
    "journey_due",
    metadata,
    Column("enrolment_id", Id, primary_key=True),
    Column("contact_id", Id, nullable=False, index=True),
    Column("step_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("due_at", Millis, nullable=False, index=True),
    Column("waiting_for", String(255), nullable=True),  # an event name ends the wait early
    Column("on_event", String(64), nullable=True),  # the step to go to when it arrives
)

journey_runs = Table(
    "journey_runs",
    metadata,
    Column("enrolment_id", Id, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("step_id", String(64), nullable=False),
    Column("at", Millis, nullable=False),
    Column("outcome", String(255), nullable=False),
)

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
