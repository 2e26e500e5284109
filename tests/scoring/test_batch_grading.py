"""Grading and MQL qualification on the ingestion path (one SQL statement per batch) give
what a rescore of everybody gives, batch after batch, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts, lifecycle_history
from cadence.db.types import to_millis
from cadence.events.spec import parse_message
from cadence.scoring import rescore
from cadence.scoring import settings as lead_settings
from cadence.workspace import document, service

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
WORKSPACE = """
scoring:
  half_life_days: 30
  bands: [40, 20, 10, 5]
  rules:
    - {key: demo, event: Demo Requested, points: 45}
    - {key: page, event: Page Viewed, points: 5}
grading:
  grades: [50, 30, 10, 0]
  criteria:
    - {key: senior, when: {field: traits.seniority, op: in, value: [VP, Director]}, points: 30}
    - {key: student, when: {field: traits.role, op: eq, value: student}, points: -15}
    - {key: big, when: {field: account.employees, op: gte, value: 200}, points: 25}
"""
# This MQL rule reads a trait as well as lead fields, so the batch path must ask it of the
# stored profile; the default rule reads lead fields only.
TRAIT_RULE = """
lifecycle:
  mql:
    all:
      - {field: band, op: lte, value: 2}
      - {field: grade, op: in, value: [A, B]}
      - {field: traits.country, op: ne, value: XX}
"""


def _call(kind: str, n: int, minutes: int, **fields: Any) -> dict[str, Any]:
    moment = NOW - timedelta(minutes=minutes)
    return {"type": kind, "messageId": f"m{n}", "timestamp": moment.isoformat(), **fields}


def _batches() -> list[list[dict[str, Any]]]:
    """Profiles, accounts and behaviour arriving over three batches (later ones change
    traits and accounts, so contacts are regraded and some qualify only then)."""
    vp = {"seniority": "VP", "country": "DE"}
    return [
        [
            _call("identify", 1, 90, userId="a", traits=vp),
            _call("identify", 2, 90, userId="b", traits={"seniority": "Director", "country": "XX"}),
            _call("identify", 3, 90, userId="c", traits={"role": "student"}),
            _call("track", 4, 80, userId="a", event="Demo Requested"),
            _call("track", 5, 80, userId="b", event="Demo Requested"),
            _call("track", 6, 80, userId="d", event="Page Viewed"),
        ],
        [
            _call("group", 7, 70, userId="a", groupId="big", traits={"employees": 500}),
            _call("group", 8, 70, userId="c", groupId="big"),
            _call("group", 9, 70, userId="d", groupId="small", traits={"employees": 20}),
            _call("identify", 10, 70, userId="b", traits={"country": "FR"}),
            _call("track", 11, 60, userId="c", event="Demo Requested"),
        ],
        [
            _call("identify", 12, 50, userId="c", traits={"role": "buyer", "seniority": "VP"}),
            _call(
                "identify", 13, 50, userId="d", traits={"seniority": "Director", "country": "US"}
            ),
            _call("track", 14, 40, userId="d", event="Demo Requested"),
        ],
    ]


def _leads(engine: Engine) -> dict[str, tuple[float, str, int, str]]:
    c = contacts.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.user_id, c.fit, c.grade, c.band, c.lifecycle_stage))
        return {user: (fit, grade, band, stage) for user, fit, grade, band, stage in rows}


@pytest.mark.parametrize("lifecycle", [TRAIT_RULE, ""], ids=["trait-rule", "default-rule"])
def test_batch_grading_and_qualifying_equal_the_rescore(engine: Engine, lifecycle: str) -> None:
    stamp = to_millis(NOW)
    with unit_of_work(engine) as uow:
        text = WORKSPACE + lifecycle
        service.apply(uow, document.read(document.load_text(text)), now=stamp)
    for messages in _batches():
        events = [parse_message(m, where="", received_at=stamp) for m in messages]
        with unit_of_work(engine) as uow:
            pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
    incremental = _leads(engine)
    # worked out by hand: fit = senior 30 + big account 25 - student 15
    assert {user: lead[:2] for user, lead in incremental.items()} == {
        "a": (55.0, "A"),  # VP at a 500-person account
        "b": (30.0, "B"),  # Director, no account
        "c": (55.0, "A"),  # was a student (10, C); now a VP at the big account
        "d": (30.0, "B"),  # Director at a 20-person account
    }
    assert {user: lead[3] for user, lead in incremental.items()} == {
        "a": "mql",  # demo (band 1) and grade B in the first batch
        "b": "mql",  # (trait rule: held back by country XX until the second batch)
        "c": "mql",  # demo in batch 2 (grade C then), grade A in batch 3
        "d": "mql",  # demo and grade B in batch 3
    }
    with unit_of_work(engine) as uow:
        history = uow.conn.execute(
            sa.select(lifecycle_history.c.to_stage, lifecycle_history.c.reason).where(
                lifecycle_history.c.to_stage == "mql"
            )
        ).all()
    assert len(history) == 4
    assert all(reason.startswith("MQL rule: band 1, grade ") for _, reason in history)

    with engine.begin() as conn:  # spoil fit, grade and stage; the rescore must agree
        conn.execute(sa.update(contacts).values(fit=999, grade="Z", lifecycle_stage="lead"))
    with unit_of_work(engine) as uow:
        rescore.rescore_all(uow, settings=lead_settings.load(uow), now=stamp)
    assert _leads(engine) == incremental


def test_batch_with_no_criteria_leaves_fit_alone(engine: Engine) -> None:
    stamp = to_millis(NOW)
    without_grading = WORKSPACE.split("grading:")[0]  # and the default MQL rule
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(without_grading)), now=stamp)
    for messages in _batches():
        events = [parse_message(m, where="", received_at=stamp) for m in messages]
        with unit_of_work(engine) as uow:
            pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
    # default MQL rule (band <= 2, grade A or B) never holds at fit 0, grade E
    assert {lead[:2] for lead in _leads(engine).values()} == {(0.0, "E")}
    assert {lead[3] for lead in _leads(engine).values()} == {"lead"}
