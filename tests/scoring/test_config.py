from typing import Any

import pytest

from cadence.scoring.config import (
    ConfigError,
    Criterion,
    GradingConfig,
    ScoringConfig,
    ScoringRule,
    parse_grading,
    parse_scoring,
)

from .factories import ISSUE_RULES


def problems(section: Any, *, grading: bool = False) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        if grading:
            parse_grading(section=section)
        else:
            parse_scoring(section=section)
    return dict(caught.value.problems)


def test_the_issue_example_parses_into_frozen_values() -> None:
    config = parse_scoring(
        section={"half_life_days": 30, "bands": [80, 50, 25, 10], "rules": ISSUE_RULES}
    )
    assert config.half_life_ms == 30 * 86_400_000
    assert config.bands == (80.0, 50.0, 25.0, 10.0)
    assert [rule.key for rule in config.rules] == [
        "pricing-visit",
        "whitepaper",
        "email-click",
        "unsubscribe",
    ]
    assert config.rules[0].where == {"path": "/pricing"}
    assert config.rules[2].max_per_day == 3
    assert config.rules[3].points == -30.0
    with pytest.raises(AttributeError):
        config.bands = (1.0,)  # type: ignore[misc]


def test_missing_sections_and_fields_take_the_defaults() -> None:
    assert parse_scoring(section=None) == ScoringConfig()
    assert parse_scoring(section={}).half_life_ms is None  # no decay unless configured
    assert parse_scoring(section={"half_life_days": None}).bands == (80, 50, 25, 10)
    assert parse_grading(section=None).grades == (70, 50, 30, 10)


def test_the_where_mapping_is_copied_from_the_input() -> None:
    raw = {"rules": [{"key": "k", "event": "E", "where": {"tags": ["a"]}, "points": 1}]}
    config = parse_scoring(section=raw)
    raw["rules"][0]["where"]["tags"].append("b")  # type: ignore[index]
    assert config.rules[0].where == {"tags": ["a"]}


def test_errors_name_the_path_of_every_problem() -> None:
    found = problems(
        {
            "half_life_days": "30",
            "bands": [80, "50", 25, 10],
            "rules": [
                {"key": "a", "event": "E", "points": 1},
                "not a rule",
                {"key": "b", "event": "", "points": True, "max_per_day": 1.5, "wher": {}},
            ],
            "extra": 1,
        }
    )
    assert found == {
        "scoring.extra": "unknown field (allowed: bands, half_life_days, rules)",
        "scoring.half_life_days": "must be a finite number",
        "scoring.bands[1]": "must be a finite number",
        "scoring.rules[1]": "must be a mapping with string keys",
        "scoring.rules[2].wher": (
            "unknown field (allowed: event, key, max_per_day, points, where)"
        ),
        "scoring.rules[2].event": "must be a non-empty string",
        "scoring.rules[2].points": "must be a finite number",
        "scoring.rules[2].max_per_day": "must be a positive integer or null",
    }
    assert "scoring.rules[2].points: must be a finite number" in str(
        ConfigError([("scoring.rules[2].points", "must be a finite number")])
    )


def test_semantic_checks_name_the_path() -> None:
    rule = {"event": "E", "points": 1}
    found = problems(
        {
            "half_life_days": 0,
            "bands": [80, 50, 50, 10],
            "rules": [{"key": "a", **rule}, {"key": "b", **rule}, {"key": "a", **rule}],
        }
    )
    assert found == {
        "scoring.half_life_days": ("must be positive and at most 36500 days, or null for no decay"),
        "scoring.bands[2]": (
            "must be lower than scoring.bands[1] (50): thresholds are strictly descending"
        ),
        "scoring.rules[2].key": "duplicate key 'a' (first at scoring.rules[0])",
    }
    assert problems({"rules": [{"key": "a", **rule, "max_per_day": 0}]}) == {
        "scoring.rules[0].max_per_day": "must be a positive integer or null"
    }
    assert problems({"bands": [3, 2, 1]}) == {
        "scoring.bands": "must list exactly 4 thresholds, highest first"
    }
    assert problems({"half_life_days": -1}).keys() == {"scoring.half_life_days"}
    assert problems({"rules": {"key": "a"}}) == {"scoring.rules": "must be a list"}
    assert problems([1]) == {"scoring": "must be a mapping with string keys"}


def test_configs_built_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"scoring\.rules\[1\]\.key: duplicate key 'x'"):
        ScoringConfig(rules=(ScoringRule("x", "E", 1.0), ScoringRule("x", "F", 2.0)))
    with pytest.raises(ConfigError, match=r"grading\.grades\[1\]"):
        GradingConfig(grades=(10.0, 20.0, 5.0, 1.0))
    with pytest.raises(ConfigError, match=r"scoring\.rules\[0\]\.points: must be a finite"):
        ScoringConfig(rules=(ScoringRule("x", "E", float("nan")),))


def test_grading_section() -> None:
    when = {"field": "account.employees", "op": "gte", "value": 200}
    config = parse_grading(
        section={
            "grades": [70, 50, 30, 10],
            "criteria": [{"key": "size", "when": when, "points": 20}],
        }
    )
    assert config.criteria == (Criterion(key="size", when=when, points=20.0),)
    assert config.criteria[0].when is not when  # kept raw, but a copy
    found = problems(
        {
            "grades": [70, 50, 30, 30],
            "criteria": [
                {"key": "a", "when": {}, "points": 1},
                {"key": "a", "when": when, "points": "1"},
                {"key": "c", "when": "traits.x = 1", "points": 1, "weight": 2},
            ],
        },
        grading=True,
    )
    assert found == {
        "grading.criteria[1].points": "must be a finite number",
        "grading.criteria[2].when": "must be a mapping with string keys",
        "grading.criteria[2].weight": "unknown field (allowed: key, points, when)",
    }
    found = problems(
        {
            "grades": [70, 50, 30, 30],
            "criteria": [
                {"key": "a", "when": {}, "points": 1},
                {"key": "a", "when": when, "points": 2},
            ],
        },
        grading=True,
    )
    assert found == {
        "grading.grades[3]": (
            "must be lower than grading.grades[2] (30): thresholds are strictly descending"
        ),
        "grading.criteria[1].key": "duplicate key 'a' (first at grading.criteria[0])",
        "grading.criteria[0].when": "must be a non-empty condition",
    }
