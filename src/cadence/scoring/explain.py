"""Why a contact has its score, band, fit and grade ("why is this lead a 2?").

The score explanation is recomputed from the contact's events, so it states the issue's
formula directly at ``now``: events dated after ``now`` are not counted yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cadence.scoring.config import GRADE_LETTERS, GradingConfig, ScoringConfig
from cadence.scoring.decay import band_of, decay_factor
from cadence.scoring.grading import Holds, grade_of
from cadence.scoring.rules import Event, matches, split_by_cap


@dataclass(frozen=True, slots=True)
class RuleExplanation:
    """What one rule contributes at ``now``."""

    key: str
    counted: int  # matching events that earned points
    capped: int  # matching events beyond the rule's daily cap
    raw_points: float  # points earned, before decay
    decayed_points: float  # what they are worth at ``now``
    last_event_at: int | None  # latest matching event (counted or capped), epoch ms


@dataclass(frozen=True, slots=True)
class ScoreExplanation:
    now: int
    rules: tuple[RuleExplanation, ...]
    score: float  # the sum of ``decayed_points``
    band: int
    reason: str  # e.g. "score 57.3 >= 50 -> band 2"
    not_yet_due: int  # matching events dated after ``now``; each counts from its own time


@dataclass(frozen=True, slots=True)
class CriterionExplanation:
    key: str
    held: bool
    points: float  # the criterion's points, earned only if it held


@dataclass(frozen=True, slots=True)
class GradeExplanation:
    criteria: tuple[CriterionExplanation, ...]
    fit: float
    grade: str
    threshold: float | None  # the threshold the fit reached; None for the lowest grade
    reason: str  # e.g. "fit 50 >= 50 -> grade B"


def explain_score(*, config: ScoringConfig, events: Sequence[Event], now: int) -> ScoreExplanation:
    """Per rule: events counted and capped, raw and decayed points, last event; the band."""
    explained: list[RuleExplanation] = []
    not_yet_due = 0
    for rule in config.rules:
        matched = [event.ts for event in events if matches(rule=rule, event=event)]
        # caps rank whole days, so an event after ``now`` never displaces an earlier one
        counted, capped = split_by_cap(timestamps=matched, cap=rule.max_per_day)
        counted = [ts for ts in counted if ts <= now]
        capped = [ts for ts in capped if ts <= now]
        due = [ts for ts in matched if ts <= now]
        not_yet_due += len(matched) - len(due)
        decayed = sum(
            (
                rule.points * decay_factor(elapsed_ms=now - ts, half_life_ms=config.half_life_ms)
                for ts in counted
            ),
            start=0.0,
        )
        explained.append(
            RuleExplanation(
                key=rule.key,
                counted=len(counted),
                capped=len(capped),
                raw_points=rule.points * len(counted),
                decayed_points=decayed,
                last_event_at=max(due, default=None),
            )
        )
    score = sum((item.decayed_points for item in explained), start=0.0)
    return ScoreExplanation(
        now=now,
        rules=tuple(explained),
        score=score,
        band=band_of(score=score, bands=config.bands),
        reason=band_reason(score=score, bands=config.bands),
        not_yet_due=not_yet_due,
    )


def explain_grade(*, config: GradingConfig, holds: Holds) -> GradeExplanation:
    """Per criterion: whether it held and its points; the fit, grade and threshold reached."""
    criteria = tuple(
        CriterionExplanation(key=c.key, held=holds(c.when), points=c.points)
        for c in config.criteria
    )
    fit = sum((c.points for c in criteria if c.held), start=0.0)
    grade = grade_of(fit=fit, grades=config.grades)
    index = GRADE_LETTERS.index(grade)
    threshold = config.grades[index] if index < len(config.grades) else None
    return GradeExplanation(
        criteria=criteria,
        fit=fit,
        grade=grade,
        threshold=threshold,
        reason=_reason("fit", fit, config.grades, f"grade {grade}"),
    )


def band_reason(*, score: float, bands: Sequence[float]) -> str:
    """``"score 57.3 >= 50 -> band 2"``, or ``"score 7 < 10 -> band 5"`` below every band."""
    return _reason("score", score, bands, f"band {band_of(score=score, bands=bands)}")


def _reason(name: str, value: float, thresholds: Sequence[float], outcome: str) -> str:
    reached = next((t for t in thresholds if value >= t), None)
    shown = _shown(value, thresholds)
    if reached is not None:
        return f"{name} {shown} >= {reached:g} -> {outcome}"
    return f"{name} {shown} < {thresholds[-1]:g} -> {outcome}"


def _shown(value: float, thresholds: Sequence[float]) -> str:
    """``value`` rounded for people, yet on the same side of every threshold as ``value``."""
    value = float(value)  # an int passed for a float has no ``is_integer`` before 3.12
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    for digits in range(1, 18):
        text = f"{value:.{digits}f}"
        if all((float(text) >= t) == (value >= t) for t in thresholds):
            return text
    return repr(value)
