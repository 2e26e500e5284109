from collections.abc import Mapping
from typing import Any

import pytest

from cadence.scoring.config import parse_grading
from cadence.scoring.grading import Grade, fit_of, grade_contact, grade_of

SENIOR = {
    "field": "traits.job_title",
    "op": "matches",
    "value": r"(?i)\b(director|vp|head|chief)\b",
}
BIG = {"field": "account.employees", "op": "gte", "value": 200}
CONFIG = parse_grading(
    section={
        "grades": [70, 50, 30, 10],
        "criteria": [
            {"key": "senior-title", "when": SENIOR, "points": 30},
            {"key": "company-size", "when": BIG, "points": 20},
            {
                "key": "student",
                "when": {"field": "traits.role", "op": "eq", "value": "student"},
                "points": -15,
            },
        ],
    }
)


def holding(*conditions: Mapping[str, Any]) -> Any:
    """A stand-in for the condition language: these conditions hold, no other does."""
    return lambda when: any(when == condition for condition in conditions)


@pytest.mark.parametrize(
    ("fit", "letter"),
    [(100, "A"), (70, "A"), (69.9, "B"), (50, "B"), (30, "C"), (10, "D"), (9.9, "E"), (-15, "E")],
)
def test_grade_letters_follow_the_thresholds(fit: float, letter: str) -> None:
    assert grade_of(fit=fit, grades=CONFIG.grades) == letter


def test_fit_is_the_sum_of_the_points_of_the_criteria_that_hold() -> None:
    assert fit_of(config=CONFIG, holds=holding()) == 0
    assert grade_contact(config=CONFIG, holds=holding(SENIOR, BIG)) == Grade(fit=50, letter="B")
    assert grade_contact(config=CONFIG, holds=holding(SENIOR)) == Grade(fit=30, letter="C")
    student = CONFIG.criteria[2].when
    assert grade_contact(config=CONFIG, holds=holding(BIG, student)) == Grade(fit=5, letter="E")


def test_the_predicate_receives_each_raw_condition() -> None:
    seen: list[Mapping[str, Any]] = []

    def holds(when: Mapping[str, Any]) -> bool:
        seen.append(when)
        return False

    fit_of(config=CONFIG, holds=holds)
    assert seen == [criterion.when for criterion in CONFIG.criteria]
