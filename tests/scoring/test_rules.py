import pytest

from cadence.scoring.config import ScoringRule
from cadence.scoring.decay import ScoreState, value_at
from cadence.scoring.rules import (
    Bucket,
    Contribution,
    Event,
    ScoreDelta,
    apply_delta,
    capped_buckets,
    contributions,
    matches,
    merge_correction,
    merge_states,
    score_delta,
    split_by_cap,
    utc_day,
)

from .factories import DAY, HOUR, direct_score, event, ms, scoring

CONFIG = scoring()
CLICK = "Email Clicked"


def click(ts: int) -> Event:
    return event(CLICK, ts)


def test_matching_needs_the_name_and_every_where_property_equal() -> None:
    rule = ScoringRule("pricing", "Page Viewed", 10, where={"path": "/pricing", "beta": True})
    assert matches(rule=rule, event=event("Page Viewed", 0, path="/pricing", beta=True, x=1))
    assert not matches(rule=rule, event=event("Page Viewed", 0, path="/pricing"))
    assert not matches(rule=rule, event=event("Page Viewed", 0, path="/pricing", beta=1))
    assert not matches(rule=rule, event=event("page viewed", 0, path="/pricing", beta=True))
    assert matches(rule=ScoringRule("any", "Page Viewed", 1), event=event("Page Viewed", 0))


def test_where_values_compare_as_json_where_true_is_not_one() -> None:
    def where(value: object) -> ScoringRule:
        return ScoringRule("r", "E", 1, where={"v": value})

    assert matches(rule=where(1), event=event("E", 0, v=1.0))
    assert not matches(rule=where(True), event=event("E", 0, v=1))
    assert not matches(rule=where(0), event=event("E", 0, v=False))
    assert matches(rule=where([1, {"a": True}]), event=event("E", 0, v=[1.0, {"a": True}]))
    assert not matches(rule=where([1, {"a": True}]), event=event("E", 0, v=[1, {"a": 1}]))
    assert not matches(rule=where({"a": 1}), event=event("E", 0, v={"b": 1}))
    assert not matches(rule=where([1]), event=event("E", 0, v=[1, 2]))
    assert not matches(rule=where(None), event=event("E", 0))


def test_an_event_earns_every_rule_it_matches() -> None:
    config = scoring(
        half_life_days=None,
        rules=[
            {"key": "any-page", "event": "Page Viewed", "points": 1},
            {"key": "pricing", "event": "Page Viewed", "where": {"path": "/pricing"}, "points": 10},
        ],
    )
    earned = contributions(config=config, events=[event("Page Viewed", 5, path="/pricing")])
    assert earned == [Contribution("any-page", 1, 5), Contribution("pricing", 10, 5)]


def test_caps_count_the_earliest_events_of_each_utc_day() -> None:
    day = ms("2024-03-04T00:00")
    times = [day + 9 * HOUR, day + 8 * HOUR, day + 10 * HOUR, day + 11 * HOUR, day - 1, day + DAY]
    counted, capped = split_by_cap(timestamps=times, cap=3)
    assert counted == [day - 1, day + 8 * HOUR, day + 9 * HOUR, day + 10 * HOUR, day + DAY]
    assert capped == [day + 11 * HOUR]
    assert utc_day(ts=day - 1) == utc_day(ts=day) - 1
    assert utc_day(ts=-1) == -1  # before 1970 the day still starts at UTC midnight
    assert split_by_cap(timestamps=times, cap=None) == (sorted(times), [])


def test_uncapped_rules_need_no_earlier_events() -> None:
    t0 = ms("2024-03-04T10:00")
    arrived = [event("Whitepaper Downloaded", t0), event("Unsubscribed", t0 + 1)]
    assert capped_buckets(config=CONFIG, arrived=arrived) == frozenset()
    assert score_delta(config=CONFIG, arrived=arrived) == ScoreDelta(
        added=(Contribution("whitepaper", 25, t0), Contribution("unsubscribe", -30, t0 + 1))
    )


def test_a_late_click_earlier_in_its_day_displaces_the_last_counted_one() -> None:
    day = ms("2024-03-04T00:00")
    stored = [click(day + 10 * HOUR), click(day + 11 * HOUR), click(day + 12 * HOUR)]
    state = apply_delta(
        state=ScoreState(),
        delta=score_delta(config=CONFIG, arrived=stored),
        half_life_ms=CONFIG.half_life_ms,
    )
    late = [click(day + 9 * HOUR), event("Page Viewed", day, path="/pricing")]
    assert capped_buckets(config=CONFIG, arrived=late) == {
        Bucket("email-click", CLICK, utc_day(ts=day))
    }
    bucket = Bucket("email-click", CLICK, utc_day(ts=day))
    assert (bucket.start_ms, bucket.end_ms) == (day, day + DAY)
    delta = score_delta(config=CONFIG, arrived=late, earlier=stored)
    assert delta == ScoreDelta(
        added=(
            Contribution("pricing-visit", 10, day),
            Contribution("email-click", 5, day + 9 * HOUR),
        ),
        removed=(Contribution("email-click", 5, day + 12 * HOUR),),
    )
    state = apply_delta(state=state, delta=delta, half_life_ms=CONFIG.half_life_ms)
    assert state.as_of == day + 12 * HOUR  # a displaced event leaves as_of where it was
    now = day + 5 * DAY
    by_hand = 10 * 2 ** (-5 / 30) + 5 * sum(2 ** (-(5 - h / 24) / 30) for h in (9, 10, 11))
    assert value_at(state=state, t=now, half_life_ms=CONFIG.half_life_ms) == pytest.approx(
        by_hand, rel=1e-12
    )
    assert direct_score(config=CONFIG, events=stored + late, t=now) == pytest.approx(by_hand)


def test_a_late_click_later_than_the_counted_ones_is_capped_out() -> None:
    day = ms("2024-03-04T00:00")
    stored = [click(day + 1), click(day + 2), click(day + 3)]
    delta = score_delta(config=CONFIG, arrived=[click(day + 4)], earlier=stored)
    assert delta == ScoreDelta()


def test_earlier_events_outside_the_buckets_are_ignored() -> None:
    day = ms("2024-03-04T00:00")
    earlier = [
        click(day - 3),  # the previous day
        click(day - 2),
        click(day - 1),
        event("Page Viewed", day + 1, path="/pricing"),
        event(CLICK, day + 2, campaign="x"),  # matches the rule: the rule has no where
    ]
    delta = score_delta(config=CONFIG, arrived=[click(day + 5)], earlier=earlier)
    assert delta.added == (Contribution("email-click", 5, day + 5),)


def test_a_batch_of_arrivals_is_capped_together() -> None:
    day = ms("2024-03-04T00:00")
    arrived = [click(day + h * HOUR) for h in (5, 1, 4, 2, 3)]
    delta = score_delta(config=CONFIG, arrived=arrived, earlier=[click(day + 90 * 60_000)])
    assert [c.ts for c in delta.added] == [day + HOUR, day + 2 * HOUR]
    assert delta.removed == ()


def test_equal_timestamps_are_interchangeable() -> None:
    day = ms("2024-03-04T00:00")
    stored = [click(day + 7)] * 3
    delta = score_delta(config=CONFIG, arrived=[click(day + 7), click(day + 6)], earlier=stored)
    assert delta == ScoreDelta(
        added=(Contribution("email-click", 5, day + 6),),
        removed=(Contribution("email-click", 5, day + 7),),
    )


def test_merging_two_scored_contacts_equals_scoring_the_union() -> None:
    day = ms("2024-03-04T00:00")
    mine = [click(day + 1), click(day + 2), event("Whitepaper Downloaded", day - 40 * DAY)]
    theirs = [click(day + 3), click(day + 0), event("Unsubscribed", day + 2 * DAY)]
    half_life = CONFIG.half_life_ms

    def stored(events: list[Event]) -> ScoreState:
        delta = score_delta(config=CONFIG, arrived=events)
        return apply_delta(state=ScoreState(), delta=delta, half_life_ms=half_life)

    correction = merge_correction(config=CONFIG, first=mine, second=theirs)
    assert correction == ScoreDelta(removed=(Contribution("email-click", 5, day + 3),))
    merged = merge_states(
        first=stored(mine), second=stored(theirs), correction=correction, half_life_ms=half_life
    )
    assert merged.as_of == day + 2 * DAY
    now = day + 10 * DAY
    by_hand = (
        25 * 2 ** (-50 / 30)
        - 30 * 2 ** (-8 / 30)
        + 5 * sum(2 ** (-(10 * DAY - k) / (30 * DAY)) for k in (0, 1, 2))
    )
    assert value_at(state=merged, t=now, half_life_ms=half_life) == pytest.approx(
        by_hand, rel=1e-12
    )
