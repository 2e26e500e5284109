"""Segments on lead fields follow scoring, grading and the lifecycle during ingestion, and
segments on other columns are not re-evaluated just because a lead field moved."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.db.tables import segment_members
from cadence.db.types import from_millis, to_millis
from cadence.events.spec import parse_message
from cadence.segments.membership import LEAD_COLUMNS, Touch, could_change, with_columns
from cadence.segments.rebuild import matching
from cadence.segments.store import load_segments
from cadence.workspace import document, service

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
WORKSPACE = """
scoring:
  half_life_days: 30
  bands: [40, 20, 10, 5]
  rules:
    - {key: demo, event: Demo Requested, points: 30}
    - {key: page, event: Page Viewed, points: 4}
grading:
  grades: [40, 25, 10, 0]
  criteria:
    - {key: senior, when: {field: traits.seniority, op: eq, value: VP}, points: 30}
    - {key: marketing, when: {field: traits.department, op: eq, value: Marketing}, points: 15}
lifecycle:
  mql:
    all:
      - {field: band, op: lte, value: 2}
      - {field: grade, op: in, value: [A, B]}
  sales_sla_days: 3
segments:
  - {key: hot, name: Hot, condition: {field: band, op: lte, value: 2}}
  - {key: warm-score, name: Warm, condition: {field: score, op: gte, value: 15}}
  - {key: good-fit, name: Good fit, condition: {field: grade, op: in, value: [A, B]}}
  - {key: mqls, name: MQLs, condition: {field: lifecycle_stage, op: eq, value: mql}}
  - {key: seen, name: Seen, condition: {field: last_seen_at, op: gte, value: "2026-01-01"}}
"""


def _batch(rng: random.Random, seed: int, size: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for n in range(size):
        user = f"u{rng.randrange(25)}"
        moment = (NOW - timedelta(hours=rng.uniform(0, 24 * 20))).isoformat()
        if rng.random() < 0.2:
            traits = {
                "seniority": rng.choice(["VP", "Intern"]),
                "department": rng.choice(["Marketing", "Sales"]),
            }
            message = {"type": "identify", "traits": traits}
        else:
            name = rng.choice(["Demo Requested", "Page Viewed", "Other"])
            message = {"type": "track", "event": name, "properties": {}}
        message.update(messageId=f"l-{seed}-{n}", userId=user, timestamp=moment)
        found.append(message)
    return found


def _members(engine: Engine) -> dict[str, set[int]]:
    m = segment_members.c
    with unit_of_work(engine, write=False) as uow:
        return {
            s.key: set(uow.conn.scalars(sa.select(m.contact_id).where(m.segment_id == s.id)))
            for s in load_segments(uow)
        }


def _wanted(engine: Engine, moment: int) -> dict[str, set[int]]:
    with unit_of_work(engine, write=False) as uow:
        return {
            s.key: set(
                uow.conn.scalars(
                    matching(s, dialect=uow.dialect, now=from_millis(moment), half_life_days=30)
                )
            )
            for s in load_segments(uow)
        }


def test_lead_field_segments_follow_ingestion(engine: Engine) -> None:
    stamp = to_millis(NOW)
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(WORKSPACE)), now=stamp)
    rng = random.Random(3)
    for seed in range(6):  # later batches touch contacts that exist: no "new contact" shortcut
        events = [parse_message(m, where="", received_at=stamp) for m in _batch(rng, seed, 40)]
        with unit_of_work(engine) as uow:
            pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
        assert _members(engine) == _wanted(engine, stamp), seed
    found = _members(engine)
    assert all(found[key] for key in ("hot", "warm-score", "good-fit", "mqls")), found


def test_a_lead_change_concerns_only_segments_reading_lead_fields(engine: Engine) -> None:
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(WORKSPACE)), now=to_millis(NOW))
        segments = {s.key: s for s in load_segments(uow)}
    touch = Touch(ingested=frozenset())  # an event that moved no contacts column
    with_columns(touch, LEAD_COLUMNS)
    concerned = {key for key, s in segments.items() if could_change(s, touch, set())}
    assert concerned == {"hot", "warm-score", "good-fit", "mqls"}
