from collections.abc import Mapping
from typing import Any

from cadence.scoring.config import parse_grading
from cadence.scoring.decay import ScoreState, value_at
from cadence.scoring.explain import (
    CriterionExplanation,
    RuleExplanation,
    band_reason,
    explain_grade,
    explain_score,
)
from cadence.scoring.rules import apply_delta, score_delta

from .factories import DAY, HOUR, event, ms, scoring

CONFIG = scoring()
NOW = ms("2024-06-01T00:00")


def test_why_is_this_lead_a_2() -> None:
    day = NOW - 30 * DAY
    events = [
        event("Page Viewed", day, path="/pricing"),
        event("Page Viewed", NOW, path="/pricing"),
        event("Page Viewed", NOW, path="/docs"),  # matches no rule
        event("Whitepaper Downloaded", NOW - 60 * DAY),
        *(event("Email Clicked", day + h * HOUR) for h in (1, 2, 3, 4, 5)),
        event("Email Clicked", NOW + HOUR),  # dated after now: not counted yet
    ]
    explained = explain_score(config=CONFIG, events=events, now=NOW)
    assert explained.rules == (
        RuleExplanation("pricing-visit", 2, 0, 20, 15, NOW),
        RuleExplanation("whitepaper", 1, 0, 25, 6.25, NOW - 60 * DAY),
        RuleExplanation(
            "email-click",
            3,
            2,
            15,
            2.5 * sum(2 ** (h * HOUR / (30 * DAY)) for h in (1, 2, 3)),
            day + 5 * HOUR,
        ),
        RuleExplanation("unsubscribe", 0, 0, 0, 0, None),
    )
    assert explained.not_yet_due == 1
    assert explained.score == sum(rule.decayed_points for rule in explained.rules)
    assert round(explained.score, 3) == 28.764
    assert (explained.band, explained.reason) == (3, "score 28.8 >= 25 -> band 3")
    # the explanation agrees with the stored score
    state = apply_delta(
        state=ScoreState(),
        delta=score_delta(config=CONFIG, arrived=[e for e in events if e.ts <= NOW]),
        half_life_ms=CONFIG.half_life_ms,
    )
    assert (
        abs(value_at(state=state, t=NOW, half_life_ms=CONFIG.half_life_ms) - explained.score)
        < 1e-12
    )


def test_band_reasons_show_enough_digits_to_stay_in_the_band() -> None:
    bands = CONFIG.bands
    assert band_reason(score=57.3, bands=bands) == "score 57.3 >= 50 -> band 2"
    assert band_reason(score=80, bands=bands) == "score 80 >= 80 -> band 1"
    assert band_reason(score=49.96, bands=bands) == "score 49.96 >= 25 -> band 3"
    assert band_reason(score=49.999999, bands=bands) == "score 49.999999 >= 25 -> band 3"
    assert band_reason(score=7.25, bands=bands) == "score 7.2 < 10 -> band 5"
    assert band_reason(score=-30, bands=bands) == "score -30 < 10 -> band 5"
    assert band_reason(score=12.5, bands=(10.0, 0.0, -10.0, -12.5)) == "score 12.5 >= 10 -> band 1"


def test_grade_explanation() -> None:
    senior = {"field": "traits.job_title", "op": "matches", "value": "(?i)director"}
    big = {"field": "account.employees", "op": "gte", "value": 200}
    config = parse_grading(
        section={
            "criteria": [
                {"key": "senior-title", "when": senior, "points": 30},
                {"key": "company-size", "when": big, "points": 20},
            ]
        }
    )

    def holds(when: Mapping[str, Any]) -> bool:
        return when == senior

    explained = explain_grade(config=config, holds=holds)
    assert explained.criteria == (
        CriterionExplanation("senior-title", held=True, points=30),
        CriterionExplanation("company-size", held=False, points=20),
    )
    assert (explained.fit, explained.grade, explained.threshold) == (30, "C", 30)
    assert explained.reason == "fit 30 >= 30 -> grade C"
    nothing = explain_grade(config=config, holds=lambda when: False)
    assert (nothing.fit, nothing.grade, nothing.threshold) == (0, "E", None)
    assert nothing.reason == "fit 0 < 10 -> grade E"
