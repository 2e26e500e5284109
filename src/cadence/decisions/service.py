"""Decision points as a served, stored capability: register a point, choose, reward.

``choose`` decides in memory on a cached copy of the point's model and appends the
decision to the log; the cache is keyed by the stored model version and its
``updates`` counter, read with the point in the one query a decision makes, so several
processes stay correct: a process re-reads the model as soon as another one has
learnt from a reward. Every decision draws its randomness from its own numbered stream
(``draw``, stored in the log), so the model state is not changed by deciding and its
propensity can be recomputed. Rewards (explicit ones here, attributed ones in
``rewards``) are learnt under a row lock on the model, in the caller's transaction.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import URL, bindparam, select, update

from cadence.db.engine import UnitOfWork
from cadence.db.tables import decision_log, decision_models, decision_points
from cadence.decisions import context as contexts
from cadence.decisions import store
from cadence.decisions.config import (
    DAY_MS,
    KEY,
    PointSpec,
    RewardSpec,
    check_features,
    check_options,
)
from cadence.errors import FieldError, InputError, NotFound
from cadence.runtime import now_millis

__all__ = [
    "Ask",
    "Chosen",
    "RewardSpec",
    "choose",
    "choose_many",
    "ensure_point",
    "learn",
    "reward",
]

_P, _M, _L = decision_points.c, decision_models.c, decision_log.c
DRAW_BITS = 62


@dataclass(frozen=True, kw_only=True)
class Chosen:
    """The option chosen, the logged decision's id, and the probability it had."""

    decision_id: int
    option: str
    propensity: float
    probabilities: Mapping[str, float] = field(default_factory=dict)


@dataclass(kw_only=True, eq=False)
class _Entry:
    model: store.Model
    lock: threading.Lock = field(default_factory=threading.Lock)


class ModelCache:
    """Models in memory, per database and point, valid while the stored counter holds."""

    def __init__(self) -> None:
        self._entries: dict[tuple[URL, str], _Entry] = {}

    def get(self, uow: UnitOfWork, *, point: str, version: int, updates: int) -> _Entry:
        key = (uow.conn.engine.url, point)
        entry = self._entries.get(key)
        if entry is None or (entry.model.version, entry.model.updates) != (version, updates):
            entry = _Entry(model=store.load_model(uow, point, version))
            self._entries[key] = entry
        return entry


CACHE = ModelCache()


def ensure_point(
    uow: UnitOfWork,
    *,
    key: str,
    options: Sequence[str],
    features: Sequence[str],
    reward: RewardSpec | None,
    managed_by: str,
    algorithm: str = "thompson",
    exploration: float = 0.1,
    now: int | None = None,
) -> None:
    """Create the point, or update it; new options, features or reward start a new version."""
    errors = [] if isinstance(key, str) and KEY.match(key) else [FieldError("key", "invalid key")]
    errors += check_options(list(options), path="options")
    errors += check_features(list(features), path="features")
    current = store.load_point(uow, key) if not errors else None
    if current is not None and current.active and current.managed_by != managed_by:
        errors.append(FieldError("key", f"already defined by {current.managed_by}"))
    if errors:
        raise InputError(errors)
    spec = PointSpec(
        key=key,
        options=tuple(options),
        features=tuple(features),
        reward=reward,
        algorithm=algorithm,
        exploration=exploration,
    )
    store.save_point(uow, spec=spec, managed_by=managed_by, now=_now(now))


def _now(now: int | None) -> int:
    return now_millis() if now is None else now


_HEAD = (
    select(_P.version, _P.options, _P.features, _M.reward, _M.updates)
    .join(decision_models, (_M.point == _P.key) & (_M.version == _P.version))
    .where(_P.key == bindparam("point"), _P.active.is_(True))
)


def _head(uow: UnitOfWork, point: str) -> Any:
    row = uow.conn.execute(_HEAD, {"point": point}).first()
    if row is None:
        raise NotFound("decision point", "decision")
    return row


def _eligible(options: Sequence[str], eligible: Sequence[str] | None) -> list[str]:
    if eligible is None:
        return list(options)
    wanted = list(eligible)
    unknown = [option for option in wanted if option not in options]
    if unknown or not wanted or len(set(wanted)) != len(wanted):
        problem = f"unknown options {unknown}" if unknown else "distinct options, at least one"
        raise InputError([FieldError("eligible", problem)])
    return wanted


@dataclass(frozen=True, kw_only=True)
class Ask:
    """One decision wanted: for whom, with what extra context, among which options."""

    contact_id: int | None
    context: Mapping[str, Any] = field(default_factory=dict)
    eligible: Sequence[str] | None = None


def choose(
    uow: UnitOfWork,
    *,
    point: str,
    contact_id: int | None,
    eligible: Sequence[str] | None,
    context: Mapping[str, Any],
    at: int,
    source: str | None,
    cache: ModelCache | None = None,
) -> Chosen:
    """Choose among ``eligible`` (default: every option) for a contact and log the decision.

    ``contact_id`` may be None (an unknown visitor): the decision rests on ``context``.
    """
    ask = Ask(contact_id=contact_id, context=context, eligible=eligible)
    return choose_many(uow, point=point, asks=[ask], at=at, source=source, cache=cache)[0]


def choose_many(
    uow: UnitOfWork,
    *,
    point: str,
    asks: Sequence[Ask],
    at: int,
    source: str | None,
    cache: ModelCache | None = None,
) -> list[Chosen]:
    """Several decisions at one point: one read of the point, one insert into the log."""
    head = _head(uow, point)
    names = contexts.feature_names(head.features)
    entry = (cache or CACHE).get(uow, point=point, version=head.version, updates=head.updates)
    window = None if head.reward is None else round(float(head.reward["within_days"]) * DAY_MS)
    rows, choices = [], []
    for ask in asks:
        options = _eligible(head.options, ask.eligible)
        contact: Mapping[str, Any] = {}
        if ask.contact_id is not None and contexts.needs_contact(names, ask.context):
            contact = contexts.contact_values(uow, contact_id=ask.contact_id, names=names)
        raw = contexts.raw_context(names=names, given=ask.context, contact=contact, at=at)
        x = entry.model.spec.encode(context=raw)
        draw = secrets.randbits(DRAW_BITS)
        with entry.lock:  # a policy's random streams are not thread-safe
            choice = entry.model.policy.choose(context=x, options=options, draw=draw)
        choices.append(choice)
        rows.append(
            {
                "point": point,
                "version": head.version,
                "contact_id": ask.contact_id,
                "context": raw,
                "eligible": options,
                "chosen": choice.option,
                "propensity": choice.propensity,
                "draw": draw,
                "source": source,
                "at": at,
                "closes_at": None if window is None else at + window,
            }
        )
    ids = store.insert_decisions(uow, rows)
    return [
        Chosen(
            decision_id=decision_id,
            option=choice.option,
            propensity=choice.propensity,
            probabilities=choice.probabilities,
        )
        for decision_id, choice in zip(ids, choices, strict=True)
    ]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A reward to learn for one logged decision (``previous``: one learnt before, to undo)."""

    decision_id: int
    context: Mapping[str, Any]
    option: str
    value: float
    previous: float | None = None


def learn(
    uow: UnitOfWork, *, point: str, version: int, outcomes: Sequence[Outcome], now: int
) -> None:
    """Fold rewards into one model version under its row lock, then store it once."""
    if not outcomes:
        return
    model = store.load_model(uow, point, version, for_update=True)
    for outcome in outcomes:
        x = model.spec.encode(context=outcome.context)
        if outcome.previous is not None:
            model.policy.arms.remove(context=x, option=outcome.option, reward=outcome.previous)
        model.policy.learn(context=x, option=outcome.option, reward=outcome.value)
    store.save_model(uow, model, now=now)


def reward(uow: UnitOfWork, *, decision_id: int, value: float, at: int) -> None:
    """Record an explicit reward for a logged decision; it replaces an attributed one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError([FieldError("value", "must be a finite number")])
    row = uow.conn.execute(
        select(decision_log).where(_L.id == decision_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound("decision", "decision_id")
    if row.reward_source == "api":
        raise InputError(
            [FieldError("value", "this decision already has a reward")], code="conflict", status=409
        )
    previous = row.reward if row.reward_source == "attributed" else None
    outcome = Outcome(
        decision_id=decision_id,
        context=row.context,
        option=row.chosen,
        value=float(value),
        previous=previous,
    )
    learn(uow, point=row.point, version=row.version, outcomes=[outcome], now=at)
    uow.conn.execute(
        update(decision_log)
        .where(_L.id == decision_id)
        .values(reward=float(value), reward_source="api", rewarded_at=at)
    )
