"""The pure parts: durations, graph checks, re-entry, random splits, date traits, analytics."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from cadence.errors import FieldError
from cadence.journeys.analytics import by_label
from cadence.journeys.besttime import counts
from cadence.journeys.config import Known, parse_duration, parse_section
from cadence.journeys.enrolment import DAY_MS, may_enter
from cadence.journeys.models import Reentry
from cadence.journeys.steps import pick_branch
from cadence.journeys.triggers import falls_on, matches


def parse(*journeys: dict[str, Any], known: Known | None = None) -> list[FieldError]:
    return parse_section(list(journeys), known)[1]


def test_durations() -> None:
    assert parse_duration("30m") == 30 * 60_000
    assert parse_duration("2h") == 7_200_000
    assert parse_duration("7d") == 7 * DAY_MS
    assert parse_duration("1w") == 7 * DAY_MS
    for bad in ("", "7", "d", "7 days", 7, None, "-1d"):
        assert parse_duration(bad) is None


def test_section_paths_name_the_journey_and_step() -> None:
    errors = parse(
        {"key": "a", "steps": [{"id": "s", "type": "send", "message": "m", "next": "x"}]},
        {"key": "a", "steps": [{"id": "s", "type": "teleport"}]},
        known=Known(messages={"m"}),
    )
    assert [(e.field, e.message) for e in errors] == [
        ("journeys[0].steps[0].next", "unknown step 'x'"),
        ("journeys[1].steps[0].type", errors[1].message),
    ]
    assert (
        parse(
            {"key": "a", "steps": [{"id": "s", "type": "exit"}]},
            {"key": "a", "steps": [{"id": "s", "type": "exit"}]},
        )[0].field
        == "journeys[1].key"
    )


def test_waits_need_exactly_one_mode_and_valid_durations() -> None:
    errors = parse(
        {
            "key": "w",
            "steps": [
                {"id": "a", "type": "wait", "next": "b"},
                {"id": "b", "type": "wait", "until_event": "X", "next": "c"},
                {"id": "c", "type": "wait", "duration": "soon", "timeout": "1d"},
            ],
        }
    )
    assert {e.field for e in errors} == {
        "journeys[0].steps[0]",
        "journeys[0].steps[1].timeout",
        "journeys[0].steps[2].duration",
        "journeys[0].steps[2].timeout",
    }


def test_unknown_fields_and_triggers_are_reported() -> None:
    errors = parse(
        {
            "key": "t",
            "colour": "red",
            "triggers": [
                {"event": "X", "where": {"a": 1}},
                {"stage": "boss"},
                {"event": "Y", "manual": True},
            ],
            "steps": [{"id": "a", "type": "exit", "speed": 3}],
        }
    )
    assert {e.field for e in errors} == {
        "journeys[0].colour",
        "journeys[0].triggers[1].stage",
        "journeys[0].triggers[2]",
        "journeys[0].steps[0].speed",
    }


@given(
    policy=st.sampled_from(["once", "always", "every"]),
    days=st.integers(1, 400),
    last=st.one_of(st.none(), st.integers(0, 10**12)),
    active=st.booleans(),
    later=st.integers(0, 10**12),
)
def test_reentry_policy(policy: str, days: int, last: int | None, active: bool, later: int) -> None:
    now = (last or 0) + later
    allowed = may_enter(reentry=Reentry(policy, days), last_entered_at=last, active=active, now=now)
    if active:
        assert not allowed
    elif last is None or policy == "always":
        assert allowed
    elif policy == "once":
        assert not allowed
    else:
        assert allowed == (later >= days * DAY_MS)


@given(
    enrolment=st.integers(1, 10**12),
    step=st.text("abc-", min_size=1, max_size=8),
    weights=st.lists(st.floats(0.01, 100), min_size=2, max_size=6),
)
def test_random_split_is_deterministic_and_in_range(
    enrolment: int, step: str, weights: list[float]
) -> None:
    first = pick_branch(enrolment_id=enrolment, step_id=step, weights=weights)
    assert 0 <= first < len(weights)
    assert pick_branch(enrolment_id=enrolment, step_id=step, weights=weights) == first


def test_random_split_follows_the_weights() -> None:
    picks = [pick_branch(enrolment_id=i, step_id="s", weights=[1, 3]) for i in range(8000)]
    share = picks.count(1) / len(picks)
    assert 0.72 < share < 0.78  # 0.75 expected; the bound is ~6 standard deviations


@given(st.dates(), st.dates())
def test_a_date_trait_falls_on_its_own_month_and_day(trait: date, today: date) -> None:
    assert falls_on(trait.isoformat(), trait)
    same_day = (trait.month, trait.day) == (today.month, today.day)
    moved_leap_day = (trait.month, trait.day, today.month, today.day) == (2, 29, 2, 28)
    expected = same_day or (moved_leap_day and not calendar.isleap(today.year))
    assert falls_on(trait.isoformat(), today) == expected


def test_date_traits_edge_cases() -> None:
    assert falls_on("1992-02-29", date(2023, 2, 28))
    assert not falls_on("1992-02-29", date(2024, 2, 28))
    assert falls_on("1992-02-29T10:00:00", date(2024, 2, 29))
    assert not falls_on("not a date", date(2024, 2, 29))
    assert not falls_on(19920229, date(2024, 2, 29))


def test_event_filters() -> None:
    assert matches({"path": "/pricing"}, {"path": "/pricing", "x": 1})
    assert not matches({"path": "/pricing"}, {"path": "/blog"})
    assert matches({}, {})


def test_conversion_per_path_and_variant() -> None:
    paths, variants = by_label(
        [
            (["s:a", "p:x"], "converted"),
            (["s:a", "p:y"], "completed"),
            (["s:b"], "converted"),
            ([], "exited"),
        ]
    )
    assert paths["s:a > p:x"] == {"entered": 1, "converted": 1, "rate": 1.0}
    assert paths["(no branch)"] == {"entered": 1, "converted": 0, "rate": 0.0}
    assert variants["s:a"] == {"entered": 2, "converted": 1, "rate": 0.5}
    assert variants["s:b"]["converted"] == 1


def test_hourly_counts_are_local_hours_of_week() -> None:
    monday_9_utc = 1_700_470_800_000  # 2023-11-20 09:00 UTC, a Monday
    found = counts(sent=[monday_9_utc], responded=[monday_9_utc], zone=ZoneInfo("Europe/Berlin"))
    assert found.trials[10] == 1 and found.successes[10] == 1  # 10:00 in Berlin
    assert found.trials.sum() == 1
