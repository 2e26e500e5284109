"""Decision points with their log, and journeys."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cadence.db.tables.base import metadata
from cadence.db.types import Id, Json, Millis

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
