"""The communication calendar: planned and sent messages per day, channel and topic, across
the organisation (campaigns, journeys, everything that goes through the send gate)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import campaigns, segment_members, segments, send_jobs, sends
from cadence.messages import store as message_store
from cadence.policy.models import DAY_MS

SENT: Final = ("sent", "unknown", "bounced")  # handed to a channel
PLANNED: Final = ("queued", "deferred")


def day_bounds(first: date, last: date) -> tuple[int, int]:
    """Epoch ms of the start of ``first`` and of the day after ``last`` (UTC days)."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def calendar(uow: UnitOfWork, *, first: date, last: date) -> dict[str, Any]:
    """Per day (UTC), channel and topic: how many messages were sent and are planned;
    plus the scheduled campaigns (planned to the size of their segment today)."""
    start, end = day_bounds(first, last)
    cells: dict[tuple[int, str, str], dict[str, int]] = defaultdict(
        lambda: {"sent": 0, "planned": 0}
    )
    s, j = sends.c, send_jobs.c
    sent_day = millis(s.at) / DAY_MS
    for day, channel, topic, n in uow.conn.execute(
        select(sent_day, s.channel, s.topic, func.count())
        .where(s.status.in_(SENT), millis(s.at) >= start, millis(s.at) < end)
        .group_by(sent_day, s.channel, s.topic)
    ):
        cells[(int(day), channel, topic)]["sent"] += int(n)
    due_day = millis(j.due_at) / DAY_MS
    for day, channel, topic, n in uow.conn.execute(
        select(due_day, j.channel, j.topic, func.count())
        .where(j.state.in_(PLANNED), millis(j.due_at) >= start, millis(j.due_at) < end)
        .group_by(due_day, j.channel, j.topic)
    ):
        cells[(int(day), channel, topic)]["planned"] += int(n)
    scheduled = _scheduled(uow, start=start, end=end)
    for item in scheduled:
        key = (int(item.pop("_day")), str(item["channel"]), str(item["topic"]))
        cells[key]["planned"] += int(item["recipients"])
    days = [
        {"day": _day(day), "channel": channel, "topic": topic, **counts}
        for (day, channel, topic), counts in sorted(cells.items())
    ]
    return {"from": first.isoformat(), "to": last.isoformat(), "days": days, "campaigns": scheduled}


def _scheduled(uow: UnitOfWork, *, start: int, end: int) -> list[dict[str, Any]]:
    c = campaigns.c
    rows = uow.conn.execute(
        select(c.id, c.message_key, c.segment_key, millis(c.send_at))
        .where(c.status == "scheduled", millis(c.send_at) >= start, millis(c.send_at) < end)
        .order_by(c.send_at)
    ).all()
    messages = {item.message.key: item.message for item in message_store.load(uow)}
    found: list[dict[str, Any]] = []
    for campaign_id, message_key, segment_key, send_at in rows:
        message = messages.get(message_key)
        found.append(
            {
                "id": int(campaign_id),
                "message": message_key,
                "segment": segment_key,
                "channel": message.channel if message else "unknown",
                "topic": message.topic if message else "unknown",
                "send_at": datetime.fromtimestamp(send_at / 1000, tz=UTC).isoformat(),
                "recipients": _members(uow, segment_key),
                "_day": int(send_at) // DAY_MS,
            }
        )
    return found


def _members(uow: UnitOfWork, segment_key: str) -> int:
    m = segment_members.c
    query = (
        select(func.count())
        .select_from(segment_members.join(segments, segments.c.id == m.segment_id))
        .where(segments.c.key == segment_key)
    )
    return int(uow.conn.execute(query).scalar_one())


def _day(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()
