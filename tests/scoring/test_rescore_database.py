"""The set-based rescore (bulk reads) gives the numbers incremental scoring gave."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.bulk import millis
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.tables import contacts
from cadence.db.types import to_millis
from cadence.events.spec import parse_message
from cadence.scoring import rescore
from cadence.scoring import settings as lead_settings
from cadence.scoring.decay import ScoreState
from cadence.scoring.reading import read_pairs
from cadence.scoring.service import current_score
from cadence.workspace import document, service
from tests.conftest import truncate_all

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
WORKSPACE = """
scoring:
  half_life_days: 20
  bands: [40, 20, 10, 5]
  rules:
    - {key: page, event: Page Viewed, points: 1}
    - {key: pricing, event: Page Viewed, where: {path: /pricing}, points: 10}
    - {key: tier-two, event: Page Viewed, where: {tier: 2}, points: 4}
    - {key: flagged, event: Page Viewed, where: {flag: true, path: /pricing}, points: 7}
    - {key: clicks, event: Email Clicked, points: 5, max_per_day: 2}
    - {key: spring, event: Email Clicked, where: {campaign: spring}, points: 3}
    - {key: unsubscribe, event: Unsubscribed, points: -30}
grading:
  grades: [40, 25, 10, 0]
  criteria:
    - {key: senior, when: {field: traits.seniority, op: in, value: [VP, Director]}, points: 30}
    - {key: student, when: {field: traits.role, op: eq, value: student}, points: -15}
    - {key: big, when: {field: account.employees, op: gte, value: 200}, points: 20}
    - {key: marketing, when: {field: traits.department, op: eq, value: Marketing}, points: 15}
"""
PATHS: list[Any] = ["/pricing", "/blog", "/pricing/", 7, None]
TIERS: list[Any] = [2, "2", 2.0, True, 3]


def _messages(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    found = []
    for n in range(600):
        name = rng.choice(["Page Viewed", "Email Clicked", "Unsubscribed", "Other"])
        properties: dict[str, Any] = {
            "path": rng.choice(PATHS),
            "tier": rng.choice(TIERS),
            "flag": rng.choice([True, False, 1, "true"]),
            "campaign": rng.choice(["spring", "Spring", "autumn"]),
        }
        if rng.random() < 0.2:
            properties.pop(rng.choice(list(properties)))
        moment = NOW - timedelta(hours=rng.uniform(-48, 24 * 90))
        found.append(
            {
                "type": "track",
                "messageId": f"s-{seed}-{n}",
                "userId": f"u{rng.randrange(30)}",
                "event": name,
                "properties": properties,
                "timestamp": moment.isoformat(),
            }
        )
    for user in range(30):
        traits = {
            "seniority": rng.choice(["VP", "Director", "Intern", None]),
            "role": rng.choice(["student", "buyer"]),
            "department": rng.choice(["Marketing", "Sales"]),
        }
        found.append(
            {
                "type": "identify",
                "messageId": f"t-{seed}-{user}",
                "userId": f"u{user}",
                "traits": traits,
                "timestamp": NOW.isoformat(),
            }
        )
    return found


def _scores(engine: Engine) -> dict[int, tuple[float, int, float, str]]:
    """Each contact's score decayed to NOW (stored scores have their own as_of), band, fit
    and grade."""
    c = contacts.c
    half_life = 20 * 86_400_000
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.id, c.score, millis(c.score_as_of), c.band, c.fit, c.grade))
        return {
            cid: (
                current_score(ScoreState(score, as_of), to_millis(NOW), half_life),
                band,
                fit,
                grade,
            )
            for cid, score, as_of, band, fit, grade in rows
        }


def test_rescore_from_bulk_reads_equals_incremental_scoring(engine: Engine) -> None:
    stamp = to_millis(NOW)
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(WORKSPACE)), now=stamp)
    events = [parse_message(m, where="", received_at=stamp) for m in _messages(5)]
    with unit_of_work(engine) as uow:
        pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
    incremental = _scores(engine)
    assert {grade for *_, grade in incremental.values()} >= {"A", "E"}  # grading is exercised
    with engine.begin() as conn:  # spoil what the rescore must rewrite (or reset to zero)
        conn.execute(sa.update(contacts).values(score=contacts.c.score + 1000, fit=999, grade="Z"))
    with unit_of_work(engine) as uow:
        settings = lead_settings.load(uow)
        pairs = read_pairs(uow, settings.scoring.rules)
        report = rescore.rescore_all(uow, settings=settings, now=stamp)
    assert report["scored"] > 0
    assert set(pairs.rule.tolist()) == set(range(len(settings.scoring.rules)))  # each matched
    rebuilt = _scores(engine)
    assert rebuilt.keys() == incremental.keys()
    for cid, (score, band, fit, grade) in incremental.items():
        assert rebuilt[cid][0] == pytest.approx(score, rel=1e-9, abs=1e-9), cid
        assert rebuilt[cid][1:] == (band, fit, grade), cid


@pytest.fixture
def pg_engine(postgres_database: str) -> Iterator[Engine]:
    """PostgreSQL only (fillfactor and HOT updates are its own): required in CI, never skipped."""
    truncate_all(postgres_database)
    engine = make_engine(postgres_database)
    yield engine
    engine.dispose()


def test_rescore_rewrites_contacts_in_place_on_postgresql(pg_engine: Engine) -> None:
    """Migration 0012 leaves half of each contacts page free and no index reads a lead
    column, so the rescore's one write per row can be a HOT update (no new index entries).

    Whether a given update is HOT also depends on other sessions' snapshots (an
    autovacuum ANALYZE anywhere in the database keeps old row versions from being pruned),
    so the test checks what makes HOT possible, not the server's counter."""
    engine = pg_engine
    with engine.connect() as conn:
        options = conn.execute(
            sa.text("SELECT reloptions FROM pg_class WHERE relname = 'contacts'")
        ).scalar_one()
    assert options == ["fillfactor=50"]
    stamp = to_millis(NOW)
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(WORKSPACE)), now=stamp)
    events = [parse_message(m, where="", received_at=stamp) for m in _messages(11)]
    with unit_of_work(engine) as uow:
        pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
    with engine.begin() as conn:
        conn.execute(sa.update(contacts).values(score=contacts.c.score + 1000, fit=999, grade="Z"))
    counts = sa.text(  # this backend's counts not yet flushed to the statistics: take a delta
        "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'contacts'"
    )
    with unit_of_work(engine) as uow:
        updated_before = uow.conn.execute(counts).scalar_one()
        rescore.rescore_all(uow, settings=lead_settings.load(uow), now=stamp)
        updated = uow.conn.execute(counts).scalar_one()
    assert updated - updated_before == 30  # all spoiled: one write each (no separate passes)
    with engine.connect() as conn:
        definitions = conn.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE tablename = 'contacts'")
        ).scalars()
        lead_column = re.compile(r"\b(score|score_as_of|band|fit|grade)\b")
        assert [d for d in definitions if lead_column.search(d.split(" USING ", 1)[1])] == []
