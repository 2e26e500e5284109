"""The journey page's chart of what the bandit chose, week by week, agrees with the log."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from cadence.console.journey_pages import shares_over_time
from cadence.db.engine import unit_of_work
from cadence.db.tables import decision_log
from cadence.db.types import from_millis
from cadence.decisions import service

DAY_MS = 24 * 3600 * 1000
START = 1_767_225_600_000  # 2026-01-01 00:00 UTC, a Thursday


def test_weekly_shares_are_the_logged_choices_per_week(engine: Engine) -> None:
    with unit_of_work(engine) as uow:
        service.ensure_point(
            uow,
            key="offer",
            options=["guide", "webinar", "discount"],
            features=["traits.country"],
            reward=None,
            managed_by="test",
            now=START,
        )
        for day in range(20):
            for _ in range(3 + day % 4):
                service.choose(
                    uow,
                    point="offer",
                    contact_id=None,
                    eligible=None,
                    context={},
                    at=START + day * DAY_MS + 3_600_000,
                    source="test",
                )
    with unit_of_work(engine, write=False) as uow:
        chart = shares_over_time(uow, point="offer")
        logged = uow.conn.execute(select(decision_log.c.at, decision_log.c.chosen)).all()
    week_ms = 7 * DAY_MS
    by_week: dict[int, Counter[str]] = {}
    for at, chosen in logged:
        moment = int(at.timestamp() * 1000) if not isinstance(at, int) else at
        by_week.setdefault(moment - moment % week_ms, Counter())[chosen] += 1
    starts = sorted(by_week)
    assert chart["data"]["labels"] == [from_millis(w).date().isoformat() for w in starts]
    datasets = {d["label"]: d["data"] for d in chart["data"]["datasets"]}
    assert set(datasets) == {option for counts in by_week.values() for option in counts}
    for i, week in enumerate(starts):
        total = sum(by_week[week].values())
        for option, values in datasets.items():
            assert values[i] == round(100 * by_week[week][option] / total, 1)
        assert abs(sum(values[i] for values in datasets.values()) - 100) < 0.5
