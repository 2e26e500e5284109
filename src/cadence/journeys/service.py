"""Use cases behind the API, the CLI and the workspace file (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from cadence.contacts.service import resolve_id
from cadence.db.engine import UnitOfWork
from cadence.db.tables import segments
from cadence.errors import FieldError, InputError
from cadence.journeys import analytics, enrolment, store, triggers
from cadence.journeys.config import Known, parse_duration, parse_journey
from cadence.journeys.models import Journey
from cadence.journeys.steps import point_key
from cadence.messages import store as messages

DAY_MS = 86_400_000


def known(uow: UnitOfWork) -> Known:
    """The messages and segments stored now, which a journey may name."""
    keys = {item.message.key for item in messages.load(uow)}
    return Known(messages=keys, segments=set(uow.conn.scalars(select(segments.c.key))))


def validate(uow: UnitOfWork, raw: Any, *, key: str) -> Journey:
    """A journey from an API body (its key from the path); InputError lists every problem."""
    if isinstance(raw, dict):
        if "key" in raw and raw["key"] != key:
            raise InputError([FieldError("key", "does not match the key in the path")])
        raw = {**raw, "key": key}
    errors: list[FieldError] = []
    journey = parse_journey(raw, "", errors, known(uow))
    if journey is None:
        raise InputError(errors)
    return journey


def journey_json(stored: store.Stored) -> dict[str, Any]:
    return {
        **stored.journey.as_document(),
        "version": stored.version,
        "managed_by": stored.managed_by,
    }


def list_journeys(uow: UnitOfWork) -> list[dict[str, Any]]:
    return [journey_json(s) for s in store.current(uow)]


def get_journey(uow: UnitOfWork, key: str) -> dict[str, Any]:
    return journey_json(store.get(uow, key))


def save(uow: UnitOfWork, journey: Journey, *, managed_by: str, now: int) -> dict[str, Any]:
    """Store it (a new version when it changed) and register its adaptive decision points."""
    _ensure_points(uow, journey)
    saved, change = store.save(uow, journey, managed_by=managed_by, now=now)
    triggers.start_cursor(uow)
    return {**journey_json(saved), "change": change}


DEFAULT_FEATURES = ("grade", "band", "segments", "day_of_year")


def _ensure_points(uow: UnitOfWork, journey: Journey) -> None:
    """Register each adaptive step's decision point (B1's engine); errors name the step."""
    from cadence.decisions import service as decisions

    for index, step in enumerate(journey.steps):
        if step.type != "adaptive":
            continue
        raw = step.spec.get("reward")
        reward = None
        if isinstance(raw, dict):
            reward = decisions.RewardSpec(
                event=str(raw["event"]),
                within_days=(parse_duration(raw["within"]) or 0) / DAY_MS,
                negative=tuple(raw.get("negative", ())),
            )
        try:
            decisions.ensure_point(
                uow,
                key=point_key(journey.key, step.id),
                options=[b.key for b in step.branches],
                features=list(step.spec.get("features") or DEFAULT_FEATURES),
                reward=reward,
                managed_by=f"journey:{journey.key}",
            )
        except InputError as error:
            raise InputError(
                [FieldError(f"steps[{index}].{e.field}", e.message) for e in error.errors]
            ) from error


def delete(uow: UnitOfWork, key: str, *, now: int) -> dict[str, Any]:
    """Stop the journey: no new enrolments, active ones exit."""
    store.get(uow, key)
    store.retire(uow, key)
    active = enrolment.active_in(uow, key)
    ended = enrolment.finish(
        uow, enrolment_ids=active, status="exited", reason="journey deleted", now=now
    )
    return {"key": key, "deleted": True, "exited": ended}


def enrol(uow: UnitOfWork, key: str, *, contact_ids: Sequence[int], now: int) -> dict[str, Any]:
    """Manual / API enrolment; contacts the re-entry policy keeps out are reported as skipped."""
    stored = store.get(uow, key)
    ids = sorted({resolve_id(uow, cid) for cid in contact_ids})
    created = enrolment.enrol(uow, stored=stored, contact_ids=ids, trigger="manual", now=now)
    return {"enrolled": len(created), "skipped": len(ids) - len(created), "enrolment_ids": created}


def stats(uow: UnitOfWork, key: str) -> dict[str, Any]:
    return analytics.stats(uow, stored=store.get(uow, key))
