"""Putting contacts into a journey (with its re-entry policy) and taking them out."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import case, delete, func, insert, select, update

from cadence.db.bulk import chunks, millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, journey_due, journey_enrolments
from cadence.journeys.bulk import among
from cadence.journeys.models import Reentry
from cadence.journeys.store import Stored

DAY_MS = 86_400_000
GOAL_REACHED = "goal condition reached"  # the reason of a conversion by the goal condition
_E = journey_enrolments.c
_D = journey_due.c


def may_enter(*, reentry: Reentry, last_entered_at: int | None, active: bool, now: int) -> bool:
    """The re-entry policy: never twice at once; once ever; or again after ``days``."""
    if active:
        return False
    if last_entered_at is None or reentry.policy == "always":
        return True
    if reentry.policy == "once":
        return False
    return now - last_entered_at >= reentry.days * DAY_MS


def _history(uow: UnitOfWork, key: str, ids: Sequence[int]) -> dict[int, tuple[int, bool]]:
    """Per contact: the latest entry time and whether an enrolment is active."""
    found: dict[int, tuple[int, bool]] = {}
    for part in chunks(ids):
        rows = uow.conn.execute(
            select(
                _E.contact_id,
                func.max(millis(_E.entered_at)),
                func.max(case((_E.status == "active", 1), else_=0)),
            )
            .where(_E.journey_key == key, _E.contact_id.in_(part))
            .group_by(_E.contact_id)
        )
        found.update({int(r[0]): (int(r[1]), bool(r[2])) for r in rows})
    return found


def enrol(
    uow: UnitOfWork, *, stored: Stored, contact_ids: Collection[int], trigger: str, now: int
) -> list[int]:
    """Enrol the live contacts the re-entry policy lets in; their first step is due now."""
    ids = _live(uow, sorted(set(contact_ids)))
    if not ids:
        return []
    history = _history(uow, stored.journey.key, ids)
    admitted = [
        cid
        for cid in ids
        if may_enter(
            reentry=stored.journey.reentry,
            last_entered_at=history.get(cid, (None, False))[0],
            active=history.get(cid, (0, False))[1],
            now=now,
        )
    ]
    if not admitted:
        return []
    rows = [
        {
            "journey_id": stored.id,
            "journey_key": stored.journey.key,
            "contact_id": cid,
            "status": "active",
            "entered_at": now,
            "trigger": trigger[:64],
            "path": [],
        }
        for cid in admitted
    ]
    created = list(
        uow.conn.execute(insert(journey_enrolments).returning(_E.id, _E.contact_id), rows)
    )
    start = stored.journey.start
    uow.conn.execute(
        insert(journey_due),
        [
            {
                "enrolment_id": r.id,
                "contact_id": r.contact_id,
                "step_id": start,
                "seq": 0,
                "due_at": now,
            }
            for r in created
        ],
    )
    return [int(r.id) for r in created]


def _live(uow: UnitOfWork, ids: Sequence[int]) -> list[int]:
    found: list[int] = []
    for part in chunks(ids):
        found += uow.conn.scalars(
            select(contacts.c.id).where(contacts.c.id.in_(part), contacts.c.merged_into.is_(None))
        )
    return sorted(int(i) for i in found)


def finish(
    uow: UnitOfWork, *, enrolment_ids: Collection[int], status: str, reason: str, now: int
) -> int:
    """End active enrolments (completed, converted or exited) and drop their due rows."""
    ended = 0
    for part in chunks(sorted(enrolment_ids), 5000):
        uow.conn.execute(
            delete(journey_due).where(among(_D.enrolment_id, part, dialect=uow.dialect))
        )
        result = uow.conn.execute(
            update(journey_enrolments)
            .where(among(_E.id, part, dialect=uow.dialect), _E.status == "active")
            .values(status=status, reason=reason[:500], finished_at=now)
        )
        ended += result.rowcount
    return ended


def active_for(
    uow: UnitOfWork, *, contact_ids: Collection[int], key: str | None = None
) -> list[tuple[int, int, str]]:
    """(enrolment id, contact id, journey key) of active enrolments of these contacts."""
    found: list[tuple[int, int, str]] = []
    for part in chunks(sorted(contact_ids)):
        query = select(_E.id, _E.contact_id, _E.journey_key).where(
            _E.contact_id.in_(part), _E.status == "active"
        )
        if key is not None:
            query = query.where(_E.journey_key == key)
        found += [(int(r[0]), int(r[1]), str(r[2])) for r in uow.conn.execute(query)]
    return found


def active_in(uow: UnitOfWork, key: str) -> list[int]:
    """Ids of the active enrolments of a journey (any version)."""
    query = select(_E.id).where(_E.journey_key == key, _E.status == "active")
    return [int(i) for i in uow.conn.scalars(query)]
