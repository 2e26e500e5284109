"""Wait until the best time for this person, within a window, outside quiet hours.

The estimate is hierarchical (``decisions.sendtime.engagement_by_hour``): per local hour
of week, the person's own sends and responses (opens, clicks) over the last year are
shrunk toward the rate of the people like them, i.e. the segment the step names (if
any), itself shrunk toward the whole workspace's population, itself shrunk toward the
population's overall rate. Each level weighs as a fixed number of pseudo-trials of the
level above (person 10, segment 50, population 100), so a person with a handful of
sends gets their group's pattern and one with many gets their own.

A group's pattern costs an aggregate over a year of sends and events, so it is counted
at most once a day and kept in ``meta`` (``sendtime:<digest of the segment>``); every
worker reads the stored one in between.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import time
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import orjson
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, meta, segment_members, segments, sends
from cadence.db.types import from_millis, to_millis
from cadence.decisions.sendtime import (
    HOURS_PER_WEEK,
    HourlyCounts,
    best_send_time,
    counts_by_local_hour,
    engagement_by_hour,
    hour_of_week,
)

RESPONSES: Final = ("Email Opened", "Email Clicked")
HISTORY_MS: Final = 365 * 86_400_000
HOUR_MS: Final = 3_600_000
PATTERN_TTL_MS: Final = 86_400_000  # a group's pattern is recounted at most once a day
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


def best_time(
    uow: UnitOfWork, *, contact_id: int, now: int, within_ms: int, segment: str | None = None
) -> int:
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
    engagement = engagement_by_hour(
        contact=mine,
        population=group_pattern(uow, segment=None, now=now),
        segment=None if segment is None else group_pattern(uow, segment=segment, now=now),
    )
    chosen = best_send_time(
        engagement=engagement,
        window_start=from_millis(now),
        window_end=from_millis(now + max(within_ms, 1)),
        time_zone=zone.key,
        quiet_hours=QUIET_HOURS,
    )
    return now + within_ms if chosen is None else to_millis(chosen)


def group_pattern(uow: UnitOfWork, *, segment: str | None, now: int) -> HourlyCounts:
    """The population's (or a segment's members') counts, recounted when a day old."""
    key = "sendtime:" + hashlib.sha256((segment or "").encode()).hexdigest()[:48]
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == key)).first()
    stored = orjson.loads(row[0]) if row is not None else None
    if stored is not None and now - int(stored["at"]) < PATTERN_TTL_MS:
        return HourlyCounts(
            trials=np.asarray(stored["trials"], dtype=np.float64),
            successes=np.asarray(stored["successes"], dtype=np.float64),
        )
    found = count_group(uow, segment=segment, since=now - HISTORY_MS)
    value = {"at": now, "trials": found.trials.tolist(), "successes": found.successes.tolist()}
    _put_meta(uow, key, orjson.dumps(value).decode())
    return found


def count_group(uow: UnitOfWork, *, segment: str | None, since: int) -> HourlyCounts:
    """Sends and responses of every contact (or a segment's members) per local hour of week."""
    sent = _per_zone_and_hour(uow, sends, millis(sends.c.at), segment=segment, since=since)
    responded = _per_zone_and_hour(
        uow, events, millis(events.c.ts), segment=segment, since=since, names=RESPONSES
    )
    trials, successes = counts_by_local_hour(sent), counts_by_local_hour(responded)
    return HourlyCounts(trials=np.maximum(trials, successes), successes=successes)


def _per_zone_and_hour(
    uow: UnitOfWork,
    table: Any,
    at: Any,
    *,
    segment: str | None,
    since: int,
    names: tuple[str, ...] = (),
) -> list[tuple[str | None, int, int]]:
    zone = contacts.c.traits["timezone"].as_string()
    hour = at // HOUR_MS
    query = (
        select(zone, hour, func.count())
        .select_from(table.join(contacts, contacts.c.id == table.c.contact_id))
        .where(at >= since)
        .group_by(zone, hour)
    )
    if names:
        query = query.where(table.c.name.in_(names))
    if segment is not None:
        members = (
            select(segment_members.c.contact_id)
            .join(segments, segments.c.id == segment_members.c.segment_id)
            .where(segments.c.key == segment)
        )
        query = query.where(table.c.contact_id.in_(members))
    return [(name, int(h), int(n)) for name, h, n in uow.conn.execute(query)]


def _put_meta(uow: UnitOfWork, key: str, value: str) -> None:
    """Insert or replace; two workers recounting at once both succeed (the last one wins)."""
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    statement = insert(meta).values(key=key, value=value)
    uow.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[meta.c.key], set_={"value": statement.excluded.value}
        )
    )
