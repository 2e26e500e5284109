"""Lead grading: fit from profile criteria, and the grade letter that follows from it.

Criteria are conditions of the condition language, kept raw in the config; the caller
injects ``holds(when) -> bool`` (``cadence.conditions`` evaluated on the contact's
profile and primary account), so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cadence.scoring.config import GRADE_LETTERS, GradingConfig

Holds = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Grade:
    """A contact's fit (sum of the points of the criteria that hold) and its letter."""

    fit: float
    letter: str


def fit_of(*, config: GradingConfig, holds: Holds) -> float:
    """The sum of the points of the criteria whose condition holds."""
    return sum((c.points for c in config.criteria if holds(c.when)), start=0.0)


def grade_of(*, fit: float, grades: Sequence[float]) -> str:
    """A for ``fit >= grades[0]``, B for ``>= grades[1]`` ... E below the last threshold."""
    for letter, threshold in zip(GRADE_LETTERS, grades, strict=False):
        if fit >= threshold:
            return letter
    return GRADE_LETTERS[len(grades)]


def grade_contact(*, config: GradingConfig, holds: Holds) -> Grade:
    """Fit and grade letter of one contact."""
    fit = fit_of(config=config, holds=holds)
    return Grade(fit=fit, letter=grade_of(fit=fit, grades=config.grades))
