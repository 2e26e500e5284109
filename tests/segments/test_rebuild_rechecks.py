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
from cadence.segments.rebuild import matching, rebuild
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


PRO_CLICKERS = {
    "all": [
        {"field": "traits.plan", "op": "eq", "value": "pro"},
        {"event": "Email Clicked", "within_days": 10},
    ]
}


def _identify(users: list[str], plan: str, *, at: int, tag: str) -> list[Any]:
    moment = from_millis(at).isoformat()
    messages = [
        {
            "type": "identify",
            "messageId": f"i-{tag}-{user}",
            "userId": user,
            "traits": {"plan": plan},
            "timestamp": moment,
        }
        for user in users
    ]
    return [parse_message(m, where="", received_at=at) for m in messages]


def _rechecks(engine: Engine, key: str) -> set[tuple[int, int]]:
    with unit_of_work(engine, write=False) as uow:
        (segment,) = [s for s in load_segments(uow) if s.key == key]
        sc = schedule.c
        rows = uow.conn.execute(sa.select(sc.contact_id, sc.due_at).where(sc.ref_id == segment.id))
        return {(c, to_millis(d) if isinstance(d, datetime) else d) for c, d in rows}


def _ingest(engine: Engine, events: list[Any], *, at: int) -> None:
    with unit_of_work(engine) as uow:
        pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=at)


def test_rechecks_skip_contacts_a_timeless_part_keeps_out_and_still_follow_time(
    engine: Engine,
) -> None:
    start = to_millis(NOW)
    users = [f"u{n}" for n in range(40)]
    _ingest(
        engine, [parse_message(m, where="", received_at=start) for m in _messages(11)], at=start
    )
    _ingest(engine, _identify(users[:10], "pro", at=start, tag="a"), at=start)
    _ingest(engine, _identify(users[10:], "free", at=start, tag="b"), at=start)
    with unit_of_work(engine) as uow:
        spec = SegmentSpec("pro-clickers", "Pro clickers", "", "dynamic", PRO_CLICKERS)
        service.save(uow, spec, now=start, managed_by="test")
    with unit_of_work(engine, write=False) as uow:
        pro = {
            c
            for (c,) in uow.conn.execute(
                sa.text(
                    "SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM identities "
                    "WHERE value IN :users)"
                ).bindparams(sa.bindparam("users", expanding=True)),
                {"users": users[:10]},
            )
        }
    queued = {c for c, _ in _rechecks(engine, "pro-clickers")}
    assert queued and queued <= pro
    assert _members(engine) == _wanted(engine, start)
    later = start + 3_600_000
    _ingest(engine, _identify(users[10:25], "pro", at=later, tag="c"), at=later)
    assert _members(engine) == _wanted(engine, later)
    for hours in (30, 24 * 3, 24 * 6 + 5, 24 * 9, 24 * 15):
        moment = start + hours * 3_600_000
        run_until_idle(engine, now=moment)
        assert _members(engine) == _wanted(engine, moment), hours
    assert _members(engine)["pro-clickers"] == set()


def test_a_rebuild_with_members_in_place_leaves_the_rechecks_a_first_build_would(
    engine: Engine,
) -> None:
    start = to_millis(NOW)
    _ingest(engine, [parse_message(m, where="", received_at=start) for m in _messages(5)], at=start)
    with unit_of_work(engine) as uow:
        for key, condition in SEGMENTS[:5]:
            service.save(
                uow, SegmentSpec(key, key, "", "dynamic", condition), now=start, managed_by="test"
            )
    later = start + 26 * 3_600_000
    before = {key: _rechecks(engine, key) for key, _ in SEGMENTS[:5]}
    with unit_of_work(engine) as uow:
        for segment in load_segments(uow):
            rebuild(uow, segment, now=later)
    again = {key: _rechecks(engine, key) for key, _ in SEGMENTS[:5]}
    with unit_of_work(engine) as uow:
        uow.conn.execute(sa.delete(schedule))
        for segment in load_segments(uow):
            rebuild(uow, segment, now=later)
    fresh = {key: _rechecks(engine, key) for key, _ in SEGMENTS[:5]}
    assert again == fresh
    assert again != before
    assert all(fresh[key] for key, _ in SEGMENTS[:3])


def test_merged_contacts_get_no_rechecks(engine: Engine) -> None:
    start = to_millis(NOW)
    moment = from_millis(start - 3_600_000).isoformat()
    calls = [
        {"type": "track", "anonymousId": "anon", "event": "Page Viewed", "timestamp": moment},
        {"type": "track", "userId": "known", "event": "Page Viewed", "timestamp": moment},
        {"type": "identify", "userId": "known", "anonymousId": "anon", "timestamp": moment},
    ]
    for n, call in enumerate(calls):
        message = {**call, "messageId": f"merge-{n}"}
        _ingest(engine, [parse_message(message, where="", received_at=start)], at=start)
    with unit_of_work(engine) as uow:
        spec = SegmentSpec("viewers", "Viewers", "", "dynamic", SEGMENTS[1][1])
        service.save(uow, spec, now=start, managed_by="test")
    with unit_of_work(engine, write=False) as uow:
        c = sa.table("contacts", sa.column("id"), sa.column("merged_into"))
        rows = list(uow.conn.execute(sa.select(c.c.id, c.c.merged_into)))
    live = {cid for cid, into in rows if into is None}
    assert len(rows) == 2 and len(live) == 1
    assert {cid for cid, _ in _rechecks(engine, "viewers")} == live
