"""Incremental membership (segments live before the data arrives): its members and
re-checks move people exactly as a rebuild at each moment would, and a contact a timeless
part of the condition keeps out gets no re-check."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts, segment_history
from cadence.db.types import to_millis
from cadence.events.spec import parse_message
from cadence.scheduler import run_until_idle
from cadence.segments import service
from cadence.segments.config import SegmentSpec
from tests.segments.test_rebuild_rechecks import (
    NOW,
    PRO_CLICKERS,
    SEGMENTS,
    _identify,
    _ingest,
    _members,
    _messages,
    _rechecks,
    _wanted,
)


def _save_all(engine: Engine, *, at: int) -> None:
    with unit_of_work(engine) as uow:
        for key, condition in [*SEGMENTS, ("pro-clickers", PRO_CLICKERS)]:
            service.save(
                uow, SegmentSpec(key, key, "", "dynamic", condition), now=at, managed_by="t"
            )


def _contacts_with_plan(engine: Engine, plan: str) -> set[int]:
    with unit_of_work(engine, write=False) as uow:
        rows = uow.conn.execute(sa.select(contacts.c.id, contacts.c.traits))
        return {c for c, traits in rows if (traits or {}).get("plan") == plan}


def test_incremental_memberships_and_rechecks_follow_time_like_a_rebuild(engine: Engine) -> None:
    start = to_millis(NOW)
    _save_all(engine, at=start)  # nothing to build yet: everything below is incremental
    users = [f"u{n}" for n in range(40)]
    _ingest(engine, _identify(users[:10], "pro", at=start, tag="a"), at=start)
    _ingest(engine, _identify(users[10:], "free", at=start, tag="b"), at=start)
    events = [parse_message(m, where="", received_at=start) for m in _messages(5)]
    _ingest(engine, events, at=start)
    assert _members(engine) == _wanted(engine, start)
    queued = {c for c, _ in _rechecks(engine, "pro-clickers")}
    assert queued and queued <= _contacts_with_plan(engine, "pro")  # free: kept out by plan
    for hours in (1, 13, 30, 24 * 3, 24 * 6 + 5, 24 * 9, 24 * 15, 24 * 30):
        moment = start + hours * 3_600_000
        run_until_idle(engine, now=moment)
        assert _members(engine) == _wanted(engine, moment), hours


def test_entries_record_why_with_every_leaf(engine: Engine) -> None:
    start = to_millis(NOW)
    _save_all(engine, at=start)
    _ingest(engine, _identify(["u1"], "pro", at=start, tag="a"), at=start)
    click = {
        "type": "track",
        "messageId": "click-1",
        "userId": "u1",
        "event": "Email Clicked",
        "properties": {},
        "timestamp": NOW.isoformat(),
    }
    _ingest(engine, [parse_message(click, where="", received_at=start)], at=start)
    with unit_of_work(engine, write=False) as uow:
        h = segment_history.c
        reasons = [r for (r,) in uow.conn.execute(sa.select(h.reason).where(h.action == "entered"))]
    pro = [r for r in reasons if r["leaves"] and r["leaves"][0]["path"] == "all[0]"]
    entered = [r for r in pro if r["cause"] == "events: Email Clicked"]
    assert entered == [
        {
            "cause": "events: Email Clicked",
            "changed": ["all[1]"],
            "leaves": [
                {"path": "all[0]", "text": "traits.plan is pro", "observed": "pro", "value": True},
                {
                    "path": "all[1]",
                    "text": "did Email Clicked at least once in the last 10 days",
                    "observed": "1 matching event",
                    "value": True,
                },
            ],
        }
    ]
