"""Wait until the best time for this person: their own sends and responses by hour of week
(``decisions.sendtime``), outside quiet hours, within a window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import select

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, sends
from cadence.db.types import from_millis, to_millis
from cadence.decisions.sendtime import (
    HOURS_PER_WEEK,
    HourlyCounts,
    best_send_time,
    engagement_by_hour,
    hour_of_week,
)

RESPONSES: Final = ("Email Opened", "Email Clicked")
HISTORY_MS: Final = 365 * 86_400_000
QUIET_HOURS: Final = (time(21, 0), time(8, 0))


def counts(*, sent: Iterable[int], responded: Iterable[int], zone: ZoneInfo) -> HourlyCounts:
    """Trials (sends) and successes (responses) per local hour of week; pure."""
    trials, successes = np.zeros(HOURS_PER_WEEK), np.zeros(HOURS_PER_WEEK)
    for at in sent:
        trials[hour_of_week(local=from_millis(at).astimezone(zone))] += 1
    for at in responded:
        successes[hour_of_week(local=from_millis(at).astimezone(zone))] += 1
    return HourlyCounts(trials=np.maximum(trials, successes), successes=successes)


def _zone(uow: UnitOfWork, contact_id: int) -> ZoneInfo:
    traits = uow.conn.execute(select(contacts.c.traits).where(contacts.c.id == contact_id)).scalar()
    name = traits.get("timezone") if isinstance(traits, dict) else None
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def best_time(uow: UnitOfWork, *, contact_id: int, now: int, within_ms: int) -> int:
    """The moment in [now, now + within) they most likely respond (the end if all quiet)."""
    zone = _zone(uow, contact_id)
    since = now - HISTORY_MS
    sent = uow.conn.scalars(
        select(millis(sends.c.at)).where(
            sends.c.contact_id == contact_id, millis(sends.c.at) >= since
        )
    )
    responded = uow.conn.scalars(
        select(millis(events.c.ts)).where(
            events.c.contact_id == contact_id,
            events.c.name.in_(RESPONSES),
            millis(events.c.ts) >= since,
        )
    )
    mine = counts(sent=list(sent), responded=list(responded), zone=zone)
    engagement = engagement_by_hour(contact=mine, population=HourlyCounts.empty())
    chosen = best_send_time(
        engagement=engagement,
        window_start=from_millis(now),
        window_end=from_millis(now + max(within_ms, 1)),
        time_zone=zone.key,
        quiet_hours=QUIET_HOURS,
    )
    return now + within_ms if chosen is None else to_millis(chosen)
