"""The ``scoring:`` and ``grading:`` sections of the workspace file, parsed and validated.

``parse_scoring`` and ``parse_grading`` turn plain mappings (as loaded from YAML) into
frozen dataclasses and report every problem with its path, e.g.
``scoring.rules[2].points: must be a finite number``. The dataclasses check their own
invariants on construction as well, so a config built in code is held to the same rules.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DAY_MS = 86_400_000
BAND_THRESHOLDS = 4  # bands 1..5
GRADE_LETTERS = ("A", "B", "C", "D", "E")
DEFAULT_BANDS = (80.0, 50.0, 25.0, 10.0)
DEFAULT_GRADES = (70.0, 50.0, 30.0, 10.0)
# Beyond a century the score effectively never decays (use null); it also keeps band-change
# instants far inside the range of a 64-bit epoch-millisecond column.
MAX_HALF_LIFE_DAYS = 36_500.0

_RULE_FIELDS = frozenset({"key", "event", "where", "points", "max_per_day"})
_CRITERION_FIELDS = frozenset({"key", "when", "points"})


class ConfigError(ValueError):
    """A section is invalid; ``problems`` lists ``(path, message)`` pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


class _Problems:
    """Collects problems so that one parse reports all of them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


@dataclass(frozen=True, slots=True)
class ScoringRule:
    """Points for every event named ``event`` whose properties equal all of ``where``."""

    key: str
    event: str
    points: float
    where: Mapping[str, Any] = field(default_factory=dict, hash=False)
    max_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """Scoring rules, the band thresholds (descending) and the half-life (None: no decay)."""

    half_life_days: float | None = None
    bands: tuple[float, ...] = DEFAULT_BANDS
    rules: tuple[ScoringRule, ...] = ()
    # derived: the positions of the rules naming each event name, in the rules' order
    rules_named: Mapping[str, tuple[int, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        problems = _Problems()
        _check_scoring(self, problems)
        problems.raise_if_any()
        named: dict[str, tuple[int, ...]] = {}
        for index, rule in enumerate(self.rules):
            named[rule.event] = (*named.get(rule.event, ()), index)
        object.__setattr__(self, "rules_named", named)

    @property
    def half_life_ms(self) -> float | None:
        return None if self.half_life_days is None else self.half_life_days * DAY_MS


@dataclass(frozen=True, slots=True)
class Criterion:
    """Fit points when the condition ``when`` (condition language, kept raw) holds."""

    key: str
    when: Mapping[str, Any] = field(hash=False)
    points: float


@dataclass(frozen=True, slots=True)
class GradingConfig:
    """Grading criteria and the thresholds of grades A..D (descending; below D is E)."""

    grades: tuple[float, ...] = DEFAULT_GRADES
    criteria: tuple[Criterion, ...] = ()

    def __post_init__(self) -> None:
        problems = _Problems()
        _check_grading(self, problems)
        problems.raise_if_any()


def parse_scoring(*, section: object) -> ScoringConfig:
    """Build the scoring config from the raw ``scoring:`` section (None: the defaults)."""
    if section is None:
        return ScoringConfig()
    problems = _Problems()
    raw = _mapping(section, "scoring", problems)
    if raw is None:
        problems.raise_if_any()
        return ScoringConfig()
    _only_fields(raw, "scoring", {"half_life_days", "bands", "rules"}, problems)
    half_life = raw.get("half_life_days")
    if half_life is not None:
        half_life = _number(half_life, "scoring.half_life_days", problems)
    bands = _numbers(raw.get("bands", DEFAULT_BANDS), "scoring.bands", problems)
    rules = tuple(
        rule
        for index, item in enumerate(_items(raw.get("rules", ()), "scoring.rules", problems))
        if (rule := _parse_rule(item, f"scoring.rules[{index}]", problems)) is not None
    )
    problems.raise_if_any()
    return ScoringConfig(half_life_days=half_life, bands=bands, rules=rules)


def parse_grading(*, section: object) -> GradingConfig:
    """Build the grading config from the raw ``grading:`` section (None: the defaults)."""
    if section is None:
        return GradingConfig()
    problems = _Problems()
    raw = _mapping(section, "grading", problems)
    if raw is None:
        problems.raise_if_any()
        return GradingConfig()
    _only_fields(raw, "grading", {"grades", "criteria"}, problems)
    grades = _numbers(raw.get("grades", DEFAULT_GRADES), "grading.grades", problems)
    criteria = tuple(
        criterion
        for index, item in enumerate(_items(raw.get("criteria", ()), "grading.criteria", problems))
        if (criterion := _parse_criterion(item, f"grading.criteria[{index}]", problems)) is not None
    )
    problems.raise_if_any()
    return GradingConfig(grades=grades, criteria=criteria)


def _parse_rule(item: object, path: str, problems: _Problems) -> ScoringRule | None:
    raw = _mapping(item, path, problems)
    if raw is None:
        return None
    _only_fields(raw, path, _RULE_FIELDS, problems)
    key = _text(raw.get("key"), f"{path}.key", problems)
    event = _text(raw.get("event"), f"{path}.event", problems)
    points = _number(raw.get("points"), f"{path}.points", problems)
    where = _mapping(raw.get("where", {}), f"{path}.where", problems)
    cap = raw.get("max_per_day")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int)):
        problems.add(f"{path}.max_per_day", "must be a positive integer or null")
        cap = None
    if key is None or event is None or points is None or where is None:
        return None
    return ScoringRule(
        key=key, event=event, points=points, where=copy.deepcopy(dict(where)), max_per_day=cap
    )


def _parse_criterion(item: object, path: str, problems: _Problems) -> Criterion | None:
    raw = _mapping(item, path, problems)
    if raw is None:
        return None
    _only_fields(raw, path, _CRITERION_FIELDS, problems)
    key = _text(raw.get("key"), f"{path}.key", problems)
    points = _number(raw.get("points"), f"{path}.points", problems)
    when = _mapping(raw.get("when"), f"{path}.when", problems)
    if key is None or points is None or when is None:
        return None
    return Criterion(key=key, when=copy.deepcopy(dict(when)), points=points)


def _check_scoring(config: ScoringConfig, problems: _Problems) -> None:
    half_life = config.half_life_days
    if half_life is not None and not (0 < half_life <= MAX_HALF_LIFE_DAYS):
        problems.add(
            "scoring.half_life_days",
            f"must be positive and at most {MAX_HALF_LIFE_DAYS:g} days, or null for no decay",
        )
    _check_thresholds(config.bands, "scoring.bands", problems)
    _check_keys([rule.key for rule in config.rules], "scoring.rules", problems)
    for index, rule in enumerate(config.rules):
        path = f"scoring.rules[{index}]"
        if not rule.event:
            problems.add(f"{path}.event", "must be a non-empty string")
        if not math.isfinite(rule.points):
            problems.add(f"{path}.points", "must be a finite number")
        if rule.max_per_day is not None and rule.max_per_day < 1:
            problems.add(f"{path}.max_per_day", "must be a positive integer or null")


def _check_grading(config: GradingConfig, problems: _Problems) -> None:
    _check_thresholds(config.grades, "grading.grades", problems)
    _check_keys([criterion.key for criterion in config.criteria], "grading.criteria", problems)
    for index, criterion in enumerate(config.criteria):
        path = f"grading.criteria[{index}]"
        if not math.isfinite(criterion.points):
            problems.add(f"{path}.points", "must be a finite number")
        if not criterion.when:
            problems.add(f"{path}.when", "must be a non-empty condition")


def _check_thresholds(values: Sequence[float], path: str, problems: _Problems) -> None:
    if len(values) != BAND_THRESHOLDS:
        problems.add(path, f"must list exactly {BAND_THRESHOLDS} thresholds, highest first")
    for index, value in enumerate(values):
        if not math.isfinite(value):
            problems.add(f"{path}[{index}]", "must be a finite number")
        elif index and not value < values[index - 1]:
            problems.add(
                f"{path}[{index}]",
                f"must be lower than {path}[{index - 1}] ({values[index - 1]:g}): "
                "thresholds are strictly descending",
            )


def _check_keys(keys: Sequence[str], path: str, problems: _Problems) -> None:
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            problems.add(f"{path}[{index}].key", "must be a non-empty string")
        elif key in first:
            problems.add(
                f"{path}[{index}].key", f"duplicate key {key!r} (first at {path}[{first[key]}])"
            )
        else:
            first[key] = index


def _mapping(value: object, path: str, problems: _Problems) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return value
    problems.add(path, "must be a mapping with string keys")
    return None


def _items(value: object, path: str, problems: _Problems) -> Sequence[object]:
    if isinstance(value, list | tuple):
        return value
    problems.add(path, "must be a list")
    return ()


def _only_fields(
    raw: Mapping[str, Any], path: str, allowed: frozenset[str] | set[str], problems: _Problems
) -> None:
    for name in raw:
        if name not in allowed:
            problems.add(f"{path}.{name}", f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _text(value: object, path: str, problems: _Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    problems.add(path, "must be a non-empty string")
    return None


def _number(value: object, path: str, problems: _Problems) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    problems.add(path, "must be a finite number")
    return None


def _numbers(value: object, path: str, problems: _Problems) -> tuple[float, ...]:
    items = _items(value, path, problems)
    numbers = [_number(item, f"{path}[{index}]", problems) for index, item in enumerate(items)]
    return tuple(number for number in numbers if number is not None)
