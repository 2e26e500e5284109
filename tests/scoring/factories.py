"""Small builders and an independent reference implementation of the issue's formula."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cadence.scoring.config import ScoringConfig, parse_scoring
from cadence.scoring.rules import Event

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY = 86_400_000
HOUR = 3_600_000

ISSUE_RULES: list[dict[str, Any]] = [
    {"key": "pricing-visit", "event": "Page Viewed", "where": {"path": "/pricing"}, "points": 10},
    {"key": "whitepaper", "event": "Whitepaper Downloaded", "points": 25},
    {"key": "email-click", "event": "Email Clicked", "points": 5, "max_per_day": 3},
    {"key": "unsubscribe", "event": "Unsubscribed", "points": -30},
]


def ms(text: str) -> int:
    """Epoch ms of an ISO instant written in UTC, e.g. ``2024-03-01T09:30``."""
    value = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return (value - EPOCH) // timedelta(milliseconds=1)


def scoring(
    *, half_life_days: float | None = 30, rules: list[dict[str, Any]] | None = None, **more: Any
) -> ScoringConfig:
    section = {"half_life_days": half_life_days, "rules": ISSUE_RULES if rules is None else rules}
    return parse_scoring(section={**section, **more})


def event(name: str, ts: int, **properties: Any) -> Event:
    return Event(name=name, ts=ts, properties=properties)


def utc_date(ts: int) -> date:
    return (EPOCH + timedelta(milliseconds=ts)).date()


def _matches(rule: Any, item: Event) -> bool:
    where: Mapping[str, Any] = rule.where
    return item.name == rule.event and all(
        k in item.properties and type(item.properties[k]) is type(v) and item.properties[k] == v
        for k, v in where.items()
    )


def direct_terms(*, config: ScoringConfig, events: Iterable[Event], t: int) -> list[float]:
    """Each counted ``points * 2 ** (-(t - ts) / half_life)`` at ``t``, written from the issue."""
    events = list(events)
    terms: list[float] = []
    for rule in config.rules:
        per_day: dict[date, list[int]] = defaultdict(list)
        for item in events:
            if _matches(rule, item):
                per_day[utc_date(item.ts)].append(item.ts)
        for times in per_day.values():
            times.sort()
            counted = times if rule.max_per_day is None else times[: rule.max_per_day]
            for ts in counted:
                if ts <= t:
                    half_life = config.half_life_days
                    weight = (
                        1.0 if half_life is None else math.pow(2, -(t - ts) / (half_life * DAY))
                    )
                    terms.append(rule.points * weight)
    return terms


def magnitudes(*, config: ScoringConfig, events: Iterable[Event], t: int) -> list[float]:
    """``|points| * decay`` at ``t`` of every matching event, capped or not.

    Incremental scoring adds and takes back such contributions, so float rounding is
    relative to their size, not only to the size of the final score.
    """
    uncapped = ScoringConfig(
        half_life_days=config.half_life_days,
        bands=config.bands,
        rules=tuple(
            replace(rule, max_per_day=None, points=abs(rule.points)) for rule in config.rules
        ),
    )
    return direct_terms(config=uncapped, events=events, t=t)


def direct_score(*, config: ScoringConfig, events: Iterable[Event], t: int) -> float:
    return math.fsum(direct_terms(config=config, events=events, t=t))


def close(actual: float, expected: float, *, terms: Iterable[float] = ()) -> bool:
    """Equal within 1e-9 relative to the size of the terms summed (cancellation is fine)."""
    scale = max(abs(expected), math.fsum(abs(term) for term in terms))
    return abs(actual - expected) <= 1e-9 * scale + 1e-300
