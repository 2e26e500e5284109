"""Features of a contact as of a moment, from its history only (nothing after that moment).

Behaviour comes from the workspace's scoring rules (matches in the last 30 days and in all),
the rule score itself, recency and tenure; fit comes from the grading criteria. Each feature
has a sentence a marketer can read ("Page Viewed path=/pricing: 3 in the last 30 days").
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from cadence.scoring.config import DAY_MS, ScoringConfig, ScoringRule
from cadence.scoring.rules import Event, contributions, matches

WINDOW_MS = 30 * DAY_MS
CAP_DAYS = 365.0


@dataclass(frozen=True)
class ContactHistory:
    """One contact's events (sorted by time), when it converted, and which fit criteria hold."""

    events: tuple[Event, ...]
    converted_at: int | None = None
    fits: tuple[bool, ...] = ()


@dataclass(frozen=True)
class FeatureSpace:
    """The feature names and how to word them, fixed at training time."""

    rules: tuple[ScoringRule, ...]
    criteria: tuple[str, ...]
    half_life_ms: float | None
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = ["score", "days_since_last", "tenure_days", "events_30d"]
        for rule in self.rules:
            names += [f"rule:{rule.key}:30d", f"rule:{rule.key}:all"]
        names += [f"fit:{key}" for key in self.criteria]
        object.__setattr__(self, "names", tuple(names))


def describe_rule(rule: ScoringRule) -> str:
    where = ", ".join(f"{k}={v}" for k, v in sorted(rule.where.items()))
    return f"{rule.event} {where}".strip()


def label(space: FeatureSpace, name: str, value: float) -> str:
    """The feature with its value, in a marketer's words."""
    if name == "score":
        return f"Interest score {value:.0f}"
    if name == "days_since_last":
        return "Never active" if value >= CAP_DAYS else f"Last active {value:.0f} days ago"
    if name == "tenure_days":
        return f"Known for {value:.0f} days"
    if name == "events_30d":
        return f"{value:.0f} tracked actions in the last 30 days"
    kind, key, *rest = name.split(":")
    if kind == "fit":
        return f"Fits '{key}'" if value >= 0.5 else f"Does not fit '{key}'"
    rule = next(r for r in space.rules if r.key == key)
    when = "in the last 30 days" if rest == ["30d"] else "in all"
    return f"{describe_rule(rule)}: {value:.0f} {when}"


@dataclass(frozen=True)
class _Prepared:
    """A contact's history indexed for fast as-of lookups."""

    times: np.ndarray
    per_rule: tuple[np.ndarray, ...]
    score_ts: np.ndarray
    score_points: np.ndarray


def prepare(space: FeatureSpace, history: ContactHistory) -> _Prepared:
    times = np.array([e.ts for e in history.events], dtype=np.int64)
    per_rule = tuple(
        np.array([e.ts for e in history.events if matches(rule=r, event=e)], dtype=np.int64)
        for r in space.rules
    )
    counted = contributions(
        config=ScoringConfig(rules=space.rules, half_life_days=None), events=history.events
    )
    counted.sort(key=lambda c: c.ts)
    return _Prepared(
        times,
        per_rule,
        np.array([c.ts for c in counted], dtype=np.int64),
        np.array([c.points for c in counted], dtype=np.float64),
    )


def _count(times: np.ndarray, start: int, end: int) -> float:
    """Events in (start, end]."""
    return float(bisect.bisect_right(times, end) - bisect.bisect_right(times, start))


def rule_score(space: FeatureSpace, prepared: _Prepared, at: int) -> float:
    """The rule-based interest score as of ``at`` (decayed exactly like scoring does)."""
    upto = bisect.bisect_right(prepared.score_ts, at)
    points = prepared.score_points[:upto]
    if space.half_life_ms is None:
        return float(points.sum())
    ages = (at - prepared.score_ts[:upto]).astype(np.float64)
    return float((points * np.exp2(-ages / space.half_life_ms)).sum())


def vector(space: FeatureSpace, prepared: _Prepared, fits: Sequence[bool], at: int) -> list[float]:
    """The features as of ``at``: only events at or before ``at`` count."""
    times = prepared.times
    seen = bisect.bisect_right(times, at)
    last = float(times[seen - 1]) if seen else None
    first = float(times[0]) if seen else None
    row = [
        rule_score(space, prepared, at),
        CAP_DAYS if last is None else min(CAP_DAYS, (at - last) / DAY_MS),
        0.0 if first is None else min(CAP_DAYS * 3, (at - first) / DAY_MS),
        _count(times, at - WINDOW_MS, at),
    ]
    for rule_times in prepared.per_rule:
        row += [_count(rule_times, at - WINDOW_MS, at), _count(rule_times, -1, at)]
    row += [1.0 if fit else 0.0 for fit in fits]
    return row


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # (n, features)
    y: np.ndarray  # 1 = converted within the horizon after the snapshot
    at: np.ndarray  # the snapshot time of each row
    score: np.ndarray  # the rule score at the snapshot (the baseline to beat)
    contact_ids: np.ndarray


def snapshot_rows(
    *,
    space: FeatureSpace,
    histories: Mapping[int, ContactHistory],
    times: Sequence[int],
    horizon_ms: int,
) -> Dataset:
    """One row per (contact, snapshot) for contacts already active and not yet converted."""
    xs: list[list[float]] = []
    ys: list[int] = []
    ats: list[int] = []
    ids: list[int] = []
    for contact_id, history in sorted(histories.items()):
        if not history.events:
            continue
        prepared = prepare(space, history)
        first = int(prepared.times[0])
        done = history.converted_at
        for at in times:
            if at < first or (done is not None and done <= at):
                continue
            xs.append(vector(space, prepared, history.fits, at))
            ys.append(int(done is not None and done <= at + horizon_ms))
            ats.append(at)
            ids.append(contact_id)
    width = len(space.names)
    x = np.array(xs, dtype=np.float64).reshape(len(xs), width)
    return Dataset(
        x=x,
        y=np.array(ys, dtype=np.int64),
        at=np.array(ats, dtype=np.int64),
        score=x[:, 0].copy() if len(xs) else np.zeros(0),
        contact_ids=np.array(ids, dtype=np.int64),
    )


def snapshot_times(*, start: int, end: int, horizon_ms: int, step_ms: int) -> list[int]:
    """Snapshot moments whose label window (at, at + horizon] ends by ``end``."""
    first = start + 14 * DAY_MS
    return list(range(first, end - horizon_ms + 1, step_ms))
