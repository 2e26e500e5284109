"""How contacts enter and leave journeys without a step running.

- ``on_changes``: the pipeline hook (ARCHITECTURE step 7). Event triggers, goal events and
  awaited events; does nothing when no journey watches any event, and reads the watch list
  once per transaction.
- ``consume_outbox``: segment entered/exited and lifecycle stage triggers, and exits on
  consent withdrawal or erasure, read from the outbox with our own cursor.
- ``run_date_triggers``: birthdays and renewals, once a day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy import exists, insert, select, update

from cadence.conditions import EvalContext, compile_condition, parse_condition
from cadence.db.bulk import chunks
from cadence.db.engine import UnitOfWork
from cadence.db.tables import consents, contacts, journey_due, journey_enrolments, meta, outbox
from cadence.db.types import from_millis
from cadence.events.batch import ContactChange
from cadence.journeys import enrolment, store
from cadence.journeys.bulk import among
from cadence.journeys.models import DAY_MS
from cadence.scoring import settings as lead_settings

CURSOR_KEY: Final = "journeys.outbox_cursor"
DATE_KEY: Final = "journeys.date_run"
_D = journey_due.c
_E = journey_enrolments.c


def _watch(uow: UnitOfWork) -> dict[str, Any] | None:
    """The watch list, cached on the connection for the current transaction only."""
    transaction = uow.conn.get_transaction()
    cached = uow.conn.info.get(store.WATCH_CACHE)
    if cached is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    watch = store.load_watch(uow)
    uow.conn.info[store.WATCH_CACHE] = (transaction, watch)
    return watch


def matches(where: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
    """Event property filters: every listed property equals the given value."""
    return all(properties.get(name) == value for name, value in where.items())


def on_changes(uow: UnitOfWork, changes: Mapping[int, ContactChange], *, now: int) -> None:
    """Convert on goal conditions and goal events, end waits for awaited events, and enrol
    on event triggers; runs after profiles, scores and segments moved, so a goal condition
    sees the batch's effect."""
    watch = _watch(uow)
    if watch is None:
        return
    reach_goals(uow, contact_ids=changes.keys(), goals=watch.get("conditions", []), now=now)
    goals: dict[str, set[str]] = defaultdict(set)
    for event_name, key in watch["goals"]:
        goals[event_name].add(key)
    names = {t[0] for t in watch["triggers"]} | set(goals) | set(watch["waits"])
    seen = [
        (cid, event)
        for cid, change in changes.items()
        for event in change.events
        if event.name in names
    ]
    if not seen:
        return
    _convert(uow, [(cid, goals[str(e.name)]) for cid, e in seen if e.name in goals], now=now)
    _resume(uow, [(cid, str(e.name)) for cid, e in seen if e.name in watch["waits"]], now=now)
    wanted: dict[int, set[int]] = defaultdict(set)
    for name, journey_id, _key, where, *rest in watch["triggers"]:
        max_age = rest[0] if rest else DAY_MS  # a watch list written before the setting
        for cid, event in seen:
            fresh = max_age is None or event.ts >= now - max_age
            if fresh and event.name == name and matches(where, event.properties):
                wanted[int(journey_id)].add(cid)
    if wanted:
        for stored in store.current(uow):
            if stored.id in wanted:
                enrolment.enrol(
                    uow, stored=stored, contact_ids=wanted[stored.id], trigger="event", now=now
                )


def reach_goals(
    uow: UnitOfWork, *, contact_ids: Collection[int], goals: list[list[Any]], now: int
) -> int:
    """End, as converted, the active enrolments of these contacts whose version's goal
    condition now holds (``goals``: [journey version id, condition] pairs).

    One query finds the enrolments concerned, then one per version with any: its goal
    compiled to SQL (the condition language's compiler) over those contacts."""
    if not goals or not contact_ids:
        return 0
    conditions = {int(version): condition for version, condition in goals}
    waiting: dict[int, dict[int, int]] = defaultdict(dict)  # version -> contact -> enrolment
    for part in chunks(sorted(contact_ids)):
        rows = uow.conn.execute(
            select(_E.id, _E.contact_id, _E.journey_id).where(
                among(_E.contact_id, part, dialect=uow.dialect),
                _E.status == "active",
                _E.journey_id.in_(sorted(conditions)),
            )
        )
        for row in rows:
            waiting[int(row.journey_id)][int(row.contact_id)] = int(row.id)
    if not waiting:
        return 0
    ctx = EvalContext(now=from_millis(now), half_life_days=lead_settings.load(uow).half_life_days)
    reached: list[int] = []
    for version, by_contact in waiting.items():
        holds = compile_condition(
            parse_condition(conditions[version]), dialect=uow.dialect, ctx=ctx
        )
        for part in chunks(sorted(by_contact)):
            mine = among(contacts.c.id, part, dialect=uow.dialect)
            found = uow.conn.scalars(select(contacts.c.id).where(mine, holds))
            reached += [by_contact[int(cid)] for cid in found]
    return enrolment.finish(
        uow, enrolment_ids=reached, status="converted", reason=enrolment.GOAL_REACHED, now=now
    )


def _convert(uow: UnitOfWork, reached: list[tuple[int, set[str]]], *, now: int) -> None:
    if not reached:
        return
    keys = dict(reached)
    active = enrolment.active_for(uow, contact_ids=set(keys))
    done = [eid for eid, cid, key in active if key in keys.get(cid, set())]
    enrolment.finish(uow, enrolment_ids=done, status="converted", reason="goal event", now=now)


def _resume(uow: UnitOfWork, arrived: list[tuple[int, str]], *, now: int) -> None:
    """The awaited event came: continue with the wait's ``next`` step now."""
    if not arrived:
        return
    pairs = set(arrived)
    rows = uow.conn.execute(
        select(_D.enrolment_id, _D.contact_id, _D.waiting_for, _D.on_event).where(
            _D.contact_id.in_(sorted({c for c, _ in pairs})), _D.waiting_for.is_not(None)
        )
    )
    ended: list[int] = []
    for row in rows:
        if (row.contact_id, row.waiting_for) not in pairs:
            continue
        if row.on_event is None:
            ended.append(row.enrolment_id)
            continue
        uow.conn.execute(
            update(journey_due)
            .where(_D.enrolment_id == row.enrolment_id)
            .values(step_id=row.on_event, due_at=now, waiting_for=None, on_event=None)
        )
    enrolment.finish(uow, enrolment_ids=ended, status="completed", reason="event came", now=now)


def start_cursor(uow: UnitOfWork) -> int:
    """Our place in the outbox (created at the latest event: history is not replayed)."""
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CURSOR_KEY)).first()
    if row is not None:
        return int(row[0])
    latest = uow.conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc()).limit(1)).scalar()
    uow.conn.execute(insert(meta).values(key=CURSOR_KEY, value=str(latest or 0)))
    return int(latest or 0)


def consume_outbox(uow: UnitOfWork, *, now: int, limit: int = 5000) -> int:
    """Segment and stage triggers, consent and erasure exits, from new outbox events."""
    if uow.conn.execute(select(meta.c.value).where(meta.c.key == CURSOR_KEY)).first() is None:
        return 0  # no journey was ever saved
    after = start_cursor(uow)
    rows = list(
        uow.conn.execute(
            select(outbox.c.id, outbox.c.topic, outbox.c.contact_id, outbox.c.payload)
            .where(outbox.c.id > after)
            .order_by(outbox.c.id)
            .limit(limit)
        )
    )
    if not rows:
        return 0
    journeys = store.current(uow)
    wanted: dict[int, set[int]] = defaultdict(set)
    withdrawn: set[int] = set()
    erased = False
    for row in rows:
        kind, value = _trigger_of(row.topic, row.payload)
        for stored in journeys:
            if row.contact_id is not None and any(
                t.kind == kind and t.value == value for t in stored.journey.triggers
            ):
                wanted[stored.id].add(int(row.contact_id))
        if row.topic in ("consent.withdrawn", "consent.expired") and row.contact_id is not None:
            withdrawn.add(int(row.contact_id))
        erased = erased or row.topic == "contact.erased"
    for stored in journeys:
        if stored.id in wanted:
            enrolment.enrol(
                uow, stored=stored, contact_ids=wanted[stored.id], trigger="outbox", now=now
            )
    moved = {
        int(r.contact_id)
        for r in rows
        if r.contact_id is not None and _trigger_of(r.topic, r.payload)[0]
    }
    watch = _watch(uow)
    if watch is not None:  # a segment or stage moved outside the pipeline (re-checks, API)
        reach_goals(uow, contact_ids=moved, goals=watch.get("conditions", []), now=now)
    _exit_without_consent(uow, withdrawn, now=now)
    if erased:
        _exit_erased(uow, now=now)
    uow.conn.execute(update(meta).where(meta.c.key == CURSOR_KEY).values(value=str(rows[-1].id)))
    return len(rows)


def _trigger_of(topic: str, payload: Any) -> tuple[str, str]:
    if topic in ("segment.entered", "segment.exited") and isinstance(payload, dict):
        return f"segment_{topic.split('.')[1]}", str(payload.get("segment"))
    if topic.startswith("contact.became_"):
        return "stage", topic.removeprefix("contact.became_")
    return "", ""


def _exit_without_consent(uow: UnitOfWork, contact_ids: set[int], *, now: int) -> None:
    """Contacts who no longer consent to anything leave every journey."""
    if not contact_ids:
        return
    still = set(
        uow.conn.scalars(
            select(consents.c.contact_id).where(
                consents.c.contact_id.in_(sorted(contact_ids)), consents.c.status == "granted"
            )
        )
    )
    gone = [eid for eid, cid, _ in enrolment.active_for(uow, contact_ids=contact_ids - still)]
    enrolment.finish(uow, enrolment_ids=gone, status="exited", reason="consent withdrawn", now=now)


def _exit_erased(uow: UnitOfWork, *, now: int) -> None:
    orphaned = select(_E.id).where(
        _E.status == "active", ~exists().where(contacts.c.id == _E.contact_id)
    )
    ids = [int(i) for i in uow.conn.scalars(orphaned)]
    enrolment.finish(uow, enrolment_ids=ids, status="exited", reason="contact erased", now=now)


def run_date_triggers(uow: UnitOfWork, *, now: int) -> int:
    """Once a day: enrol contacts whose date trait (birthday, renewal) falls on today (UTC)."""
    today = from_millis(now).date()
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == DATE_KEY)).first()
    if row is not None and row[0] >= today.isoformat():
        return 0
    if row is None:
        uow.conn.execute(insert(meta).values(key=DATE_KEY, value=today.isoformat()))
    else:
        uow.conn.execute(update(meta).where(meta.c.key == DATE_KEY).values(value=today.isoformat()))
    dated = [
        (s, t.value)
        for s in store.current(uow)
        for t in s.journey.triggers
        if t.kind == "date_trait"
    ]
    if not dated:
        return 0
    names = {name for _, name in dated}
    due: dict[str, set[int]] = defaultdict(set)
    query = select(contacts.c.id, contacts.c.traits).where(contacts.c.merged_into.is_(None))
    for cid, traits in uow.conn.execute(query):
        for name in names:
            if isinstance(traits, dict) and falls_on(traits.get(name), today):
                due[name].add(int(cid))
    return sum(
        len(enrolment.enrol(uow, stored=s, contact_ids=due[name], trigger="date", now=now))
        for s, name in dated
        if due[name]
    )


def falls_on(value: Any, today: date) -> bool:
    """Whether an ISO date (``1990-05-17``) has today's month and day (Feb 29 on Feb 28)."""
    if not isinstance(value, str):
        return False
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return False
    if (day.month, day.day) == (2, 29) and not _leap(today.year):
        return (today.month, today.day) == (2, 28)
    return (day.month, day.day) == (today.month, today.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
