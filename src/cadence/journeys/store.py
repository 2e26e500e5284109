"""Journey versions in storage, and the index of event names the pipeline hook watches.

A journey is never changed in place: a different definition is a new version, and
enrolments keep the version they started (``journey_enrolments.journey_id``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update

from cadence.db.engine import UnitOfWork
from cadence.db.tables import journeys, meta
from cadence.errors import FieldError, InputError, NotFound
from cadence.journeys.config import Known, parse_journey
from cadence.journeys.models import Journey

WATCH_KEY = "journeys.watch"
WATCH_CACHE = "cadence.journeys.watch"  # conn.info: (transaction, watch list)
_J = journeys.c


@dataclass(frozen=True)
class Stored:
    id: int
    version: int
    journey: Journey
    managed_by: str


def parse_stored(document: Any) -> Journey:
    """A stored definition back to a value (it was validated when saved)."""
    errors: list[FieldError] = []
    journey = parse_journey(document, "", errors, Known())
    if journey is None:
        raise InputError(errors)
    return journey


def current(uow: UnitOfWork, *, key: str | None = None) -> list[Stored]:
    query = select(_J.id, _J.version, _J.definition, _J.managed_by).where(_J.current.is_(True))
    if key is not None:
        query = query.where(_J.key == key)
    rows = uow.conn.execute(query.order_by(_J.key))
    return [Stored(r.id, r.version, parse_stored(r.definition), r.managed_by) for r in rows]


def get(uow: UnitOfWork, key: str) -> Stored:
    found = current(uow, key=key)
    if not found:
        raise NotFound("journey")
    return found[0]


def versions(uow: UnitOfWork, ids: Collection[int]) -> dict[int, tuple[int, Journey]]:
    """Version number and definition of the given version ids (current or not)."""
    if not ids:
        return {}
    query = select(_J.id, _J.version, _J.definition).where(_J.id.in_(sorted(ids)))
    return {
        int(r.id): (int(r.version), parse_stored(r.definition)) for r in uow.conn.execute(query)
    }


def save(uow: UnitOfWork, journey: Journey, *, managed_by: str, now: int) -> tuple[Stored, str]:
    """Store a new version when the definition differs; says created, updated or unchanged."""
    before = current(uow, key=journey.key)
    document = journey.as_document()
    if before and same(before[0].journey.as_document(), document):
        if before[0].managed_by != managed_by:
            uow.conn.execute(
                update(journeys).where(_J.id == before[0].id).values(managed_by=managed_by)
            )
        return before[0], "unchanged"
    latest = uow.conn.execute(
        select(_J.version).where(_J.key == journey.key).order_by(_J.version.desc()).limit(1)
    ).scalar()
    version = int(latest or 0) + 1
    uow.conn.execute(update(journeys).where(_J.key == journey.key).values(current=False))
    new_id = uow.conn.execute(
        insert(journeys)
        .values(
            key=journey.key,
            version=version,
            definition=document,
            current=True,
            managed_by=managed_by,
            created_at=now,
        )
        .returning(_J.id)
    ).scalar_one()
    refresh_watch(uow)
    return Stored(int(new_id), version, journey, managed_by), "updated" if before else "created"


def retire(uow: UnitOfWork, key: str) -> None:
    """No new enrolments in any version of ``key`` (the caller ends the active ones)."""
    uow.conn.execute(update(journeys).where(_J.key == key).values(current=False))
    refresh_watch(uow)


def same(a: Any, b: Any) -> bool:
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        b, option=orjson.OPT_SORT_KEYS
    )


def refresh_watch(uow: UnitOfWork) -> None:
    """Rewrite what the pipeline hook reacts to: event triggers, goal events, awaited events,
    and every version's goal condition (enrolments keep their version); empty: it does nothing."""
    watch: dict[str, list[Any]] = {"triggers": [], "goals": [], "waits": [], "conditions": []}
    for row in uow.conn.execute(select(_J.id, _J.current, _J.definition)):
        journey = parse_stored(row.definition)
        if row.current:
            watch["triggers"] += [
                [t.value, row.id, journey.key, dict(t.where), t.max_age_ms]
                for t in journey.triggers
                if t.kind == "event"
            ]
        watch["waits"] += [s.spec["until_event"] for s in journey.steps if "until_event" in s.spec]
        if journey.goal is not None and journey.goal.event:
            watch["goals"].append([journey.goal.event, journey.key])
        if journey.goal is not None and journey.goal.condition is not None:
            watch["conditions"].append([row.id, journey.goal.condition])
    watch["waits"] = sorted(set(watch["waits"]))
    uow.conn.execute(delete(meta).where(meta.c.key == WATCH_KEY))
    uow.conn.execute(insert(meta).values(key=WATCH_KEY, value=orjson.dumps(watch).decode()))
    uow.conn.info.pop(WATCH_CACHE, None)


def load_watch(uow: UnitOfWork) -> dict[str, Any] | None:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == WATCH_KEY)).first()
    if row is None:
        return None
    watch: dict[str, Any] = orjson.loads(row[0])
    if "conditions" not in watch:  # written before goal conditions were watched
        watch["conditions"] = [
            [int(r.id), journey.goal.condition]
            for r in uow.conn.execute(select(_J.id, _J.definition))
            if (journey := parse_stored(r.definition)).goal is not None
            and journey.goal.condition is not None
        ]
    return watch if any(watch.values()) else None
