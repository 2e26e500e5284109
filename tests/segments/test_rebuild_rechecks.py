"""After a rebuild, its re-checks move people exactly as a rebuild at that moment would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.db.tables import schedule, segment_members
from cadence.db.types import from_millis, to_millis
from cadence.events.spec import parse_message
from cadence.scheduler import run_until_idle
from cadence.segments import service
from cadence.segments.config import SegmentSpec
from cadence.segments.rebuild import matching
from cadence.segments.rechecks import clock_edges
from cadence.segments.store import load_segments

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
NAMES = ("Page Viewed", "Email Clicked", "Demo Requested", "Order Completed")
SEGMENTS = [
    ("clicked-twice", {"event": "Email Clicked", "min": 2, "within_days": 10}),
    ("quiet", {"all": [{"event": "Page Viewed", "max": 0, "within_days": 7}]}),
    (
        "demo-not-viewed",
        {
            "all": [
                {"event": "Demo Requested", "within_days": 20},
                {"not": {"event": "Page Viewed", "where": {"path": "/pricing"}, "within_days": 5}},
            ]
        },
    ),
    ("new-this-week", {"field": "tenure_days", "op": "lte", "value": 7}),
    (
        "seen-lately-old-friends",
        {
            "all": [
                {"field": "last_seen_at", "op": "gte", "value": "-3d"},
                {"field": "tenure_days", "op": "gt", "value": 20.5},
            ]
        },
    ),
    ("lapsed", {"field": "purchases.days_since_last", "op": "in", "value": [4, 9]}),
    ("decaying", {"field": "score", "op": "gte", "value": 1}),
]


def _messages(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    found = []
    for n in range(400):
        user = f"u{rng.randrange(40)}"
        moment = NOW + timedelta(hours=rng.uniform(-24 * 40, 24 * 5))  # some in the future
        name = rng.choice(NAMES)
        properties = {"path": rng.choice(["/pricing", "/blog"])}
        found.append(
            {
                "type": "track",
                "messageId": f"r-{seed}-{n}",
                "userId": user,
                "event": name,
                "properties": properties,
                "timestamp": moment.isoformat(),
            }
        )
    return found


def _members(engine: Engine) -> dict[str, set[int]]:
    with unit_of_work(engine, write=False) as uow:
        found: dict[str, set[int]] = {}
        m = segment_members.c
        for segment in load_segments(uow):
            rows = uow.conn.execute(sa.select(m.contact_id).where(m.segment_id == segment.id))
            found[segment.key] = {c for (c,) in rows}
        return found


def _wanted(engine: Engine, moment: int) -> dict[str, set[int]]:
    with unit_of_work(engine, write=False) as uow:
        return {
            segment.key: set(
                uow.conn.scalars(
                    matching(
                        segment, dialect=uow.dialect, now=from_millis(moment), half_life_days=None
                    )
                )
            )
            for segment in load_segments(uow)
        }


def test_rechecks_after_a_rebuild_follow_time_exactly(engine: Engine) -> None:
    start = to_millis(NOW)
    events = [parse_message(m, where="", received_at=start) for m in _messages(7)]
    with unit_of_work(engine) as uow:
        pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=start)
    with unit_of_work(engine) as uow:
        for key, condition in SEGMENTS:
            spec = SegmentSpec(key, key, "", "dynamic", condition)
            service.save(uow, spec, now=start, managed_by="test")
    with unit_of_work(engine, write=False) as uow:
        listed = {s.key for s in load_segments(uow) if clock_edges(s) is not None}
        queued = uow.conn.scalar(sa.select(sa.func.count()).select_from(schedule))
    assert listed == {key for key, _ in SEGMENTS} - {"decaying"}
    assert queued
    assert _members(engine) == _wanted(engine, start)
    moved = 0
    for hours in (1, 13, 30, 24 * 3, 24 * 6 + 5, 24 * 9, 24 * 15, 24 * 30):
        moment = start + hours * 3_600_000
        moved += run_until_idle(engine, now=moment).exited
        assert _members(engine) == _wanted(engine, moment), hours
    assert moved > 0
