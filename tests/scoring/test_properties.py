"""Properties: every way of computing a score agrees with the issue's formula."""

import itertools
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.scoring.config import ScoringConfig, parse_scoring
from cadence.scoring.decay import ScoreState, add_points, band_of, next_band_change, value_at
from cadence.scoring.explain import explain_score
from cadence.scoring.rebuild import (
    NEVER,
    Rebuilt,
    bands_of,
    match_pairs,
    next_band_changes,
    rebuild_scores,
)
from cadence.scoring.rules import (
    Event,
    apply_delta,
    capped_buckets,
    merge_correction,
    merge_states,
    score_delta,
    uncapped_points,
)

from .factories import DAY, close, direct_score, direct_terms, magnitudes, ms

BASE = ms("2024-01-01T00:00")
NAMES = ("A", "B", "C")


@st.composite
def configs(draw: st.DrawFn) -> ScoringConfig:
    rules = []
    for index in range(draw(st.integers(1, 4))):
        rule: dict[str, Any] = {
            "key": f"r{index}",
            "event": draw(st.sampled_from(NAMES[:2])),
            "points": draw(st.one_of(st.integers(-50, 50), st.floats(-100, 100))),
        }
        if draw(st.booleans()):
            rule["where"] = {"p": draw(st.integers(0, 1))}
        rule["max_per_day"] = draw(st.one_of(st.none(), st.integers(1, 3)))
        rules.append(rule)
    half_life = draw(st.one_of(st.none(), st.sampled_from([0.01, 1, 30, 365]), st.floats(0.1, 1e3)))
    return parse_scoring(section={"half_life_days": half_life, "rules": rules})


offsets = st.one_of(
    st.integers(-3 * DAY, 3 * DAY),  # a few days around the base, day boundaries included
    st.builds(lambda day, ms_: day * DAY + ms_, st.integers(-3, 3), st.sampled_from([-1, 0, 1])),
    st.integers(-3 * 365 * DAY, 0),  # years back
)
events = st.builds(
    lambda name, offset, props: Event(name=name, ts=BASE + offset, properties=props),
    st.sampled_from(NAMES),
    offsets,
    st.sampled_from([{}, {"p": 0}, {"p": 1}, {"p": 1, "q": 2}]),
)
histories = st.lists(events, max_size=25)


def loaded(arrived: list[Event], stored: list[Event], config: ScoringConfig) -> list[Event]:
    """What the pipeline loads: stored events in the buckets ``capped_buckets`` names."""
    buckets = capped_buckets(config=config, arrived=arrived)
    return [
        e
        for e in stored
        if any(b.event == e.name and b.start_ms <= e.ts < b.end_ms for b in buckets)
    ]


def incremental(config: ScoringConfig, batches: list[list[Event]]) -> ScoreState:
    state, stored = ScoreState(), list[Event]()
    for batch in batches:
        delta = score_delta(config=config, arrived=batch, earlier=loaded(batch, stored, config))
        state = apply_delta(state=state, delta=delta, half_life_ms=config.half_life_ms)
        stored += batch
    return state


@st.composite
def arrivals(draw: st.DrawFn, history: list[Event]) -> list[list[Event]]:
    """The history in any order, cut into batches."""
    order = draw(st.permutations(history))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=5)))
    bounds = [0, *cuts, len(order)]
    return [list(order[a:b]) for a, b in itertools.pairwise(bounds)]


@settings(deadline=None)
@given(config=configs(), history=histories, data=st.data(), later=st.integers(0, 400 * DAY))
def test_incremental_in_any_order_equals_rebuild_and_the_formula(
    config: ScoringConfig, history: list[Event], data: st.DataObject, later: int
) -> None:
    state = incremental(config, data.draw(arrivals(history)))
    now = max([BASE + 3 * DAY, *(e.ts for e in history)]) + later
    expected = direct_score(config=config, events=history, t=now)
    terms = magnitudes(config=config, events=history, t=now)
    assert close(
        value_at(state=state, t=now, half_life_ms=config.half_life_ms), expected, terms=terms
    )
    event_index, rule_index = match_pairs(config=config, events=history)
    rebuilt = rebuild_scores(
        config=config,
        n_contacts=1,
        contact=np.zeros(event_index.size, dtype=np.int64),
        ts=np.array([history[i].ts for i in event_index.tolist()], dtype=np.int64),
        rule=rule_index,
        now=now,
    )
    assert int(rebuilt.as_of[0]) == now
    assert close(float(rebuilt.score[0]), expected, terms=terms)
    assert close(explain_score(config=config, events=history, now=now).score, expected, terms=terms)


@settings(deadline=None)
@given(config=configs(), history=histories, now=offsets)
def test_the_explanation_is_the_formula_at_any_time(
    config: ScoringConfig, history: list[Event], now: int
) -> None:
    terms = direct_terms(config=config, events=history, t=BASE + now)
    explained = explain_score(config=config, events=history, now=BASE + now)
    assert close(explained.score, sum(terms), terms=terms)
    assert explained.band == band_of(score=explained.score, bands=config.bands)


@settings(deadline=None)
@given(config=configs(), histories=st.lists(histories, min_size=1, max_size=4), now=offsets)
def test_rebuild_with_future_dated_events_keeps_the_stored_form(
    config: ScoringConfig, histories: list[list[Event]], now: int
) -> None:
    flat = [(c, e) for c, history in enumerate(histories) for e in history]
    event_index, rule_index = match_pairs(config=config, events=[e for _, e in flat])
    rebuilt = rebuild_scores(
        config=config,
        n_contacts=len(histories),
        contact=[flat[i][0] for i in event_index.tolist()],
        ts=[flat[i][1].ts for i in event_index.tolist()],
        rule=rule_index,
        now=BASE + now,
    )
    latest = {c: BASE + now for c in range(len(histories))}
    for i in event_index.tolist():
        latest[flat[i][0]] = max(latest[flat[i][0]], flat[i][1].ts)
    for contact, history in enumerate(histories):
        as_of = int(rebuilt.as_of[contact])
        assert as_of == latest[contact]  # max(now, latest matching timestamp)
        stored = ScoreState(score=float(rebuilt.score[contact]), as_of=as_of)
        later = as_of + DAY
        terms = direct_terms(config=config, events=history, t=later)
        value = value_at(state=stored, t=later, half_life_ms=config.half_life_ms)
        assert close(value, sum(terms), terms=terms)


@settings(deadline=None)
@given(config=configs(), mine=histories, theirs=histories)
def test_merging_two_scored_contacts_equals_scoring_the_union(
    config: ScoringConfig, mine: list[Event], theirs: list[Event]
) -> None:
    merged = merge_states(
        first=incremental(config, [mine]),
        second=incremental(config, [theirs]),
        correction=merge_correction(config=config, first=mine, second=theirs),
        half_life_ms=config.half_life_ms,
    )
    now = BASE + 4 * DAY
    expected = direct_score(config=config, events=mine + theirs, t=now)
    terms = magnitudes(config=config, events=mine + theirs, t=now)
    value = value_at(state=merged, t=now, half_life_ms=config.half_life_ms)
    assert close(value, expected, terms=terms)


thresholds = st.lists(
    st.floats(-100, 100).filter(lambda x: abs(x) > 1e-6), min_size=4, max_size=4, unique=True
).map(lambda xs: tuple(sorted(xs, reverse=True)))
sizes = st.floats(1e-3, 1e6)
states = st.builds(
    lambda sign, size, as_of: ScoreState(score=sign * size, as_of=as_of),
    st.sampled_from([1, -1]),
    sizes,
    st.integers(BASE - 400 * DAY, BASE),
)
half_lives = st.floats(1, 3.2e12)


@settings(deadline=None)
@given(state=states, bands=thresholds, half_life=half_lives, wait=st.floats(0, 10))
def test_the_band_change_is_exact_to_the_millisecond(
    state: ScoreState, bands: tuple[float, ...], half_life: float, wait: float
) -> None:
    assert state.as_of is not None
    now = state.as_of + int(wait * half_life)

    def value(t: int) -> float:
        return value_at(state=state, t=t, half_life_ms=half_life)

    current = band_of(score=value(now), bands=bands)
    change = next_band_change(state=state, bands=bands, half_life_ms=half_life, now=now)
    if change is None:
        far = now + int(50 * half_life)
        assert band_of(score=value(far), bands=bands) == current
        return
    assert change > now
    assert change - 1 == now or band_of(score=value(change - 1), bands=bands) == current
    after = band_of(score=value(change), bands=bands)
    if state.score > 0:
        threshold = bands[current - 1]
        assert value(change - 1) >= threshold > value(change)
        assert after > current
    else:
        threshold = bands[current - 2]
        assert value(change - 1) < threshold <= value(change)
        assert after < current
    vector = next_band_changes(
        rebuilt=Rebuilt(score=np.array([state.score]), as_of=np.array([state.as_of])),
        bands=bands,
        half_life_ms=half_life,
        now=now,
    )
    assert int(vector[0]) != NEVER and abs(int(vector[0]) - change) <= 1


@given(scores=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=20), bands=thresholds)
def test_bands_are_monotone_in_the_score(scores: list[float], bands: tuple[float, ...]) -> None:
    ordered = sorted(scores)
    found = [band_of(score=s, bands=bands) for s in ordered]
    assert found == sorted(found, reverse=True)
    assert bands_of(scores=ordered, bands=bands).tolist() == found


@given(state=states, bands=thresholds, half_life=half_lives, steps=st.lists(st.floats(0, 20)))
def test_decay_moves_the_band_one_way_only(
    state: ScoreState, bands: tuple[float, ...], half_life: float, steps: list[float]
) -> None:
    assert state.as_of is not None
    times = sorted(state.as_of + int(step * half_life) for step in steps)
    found = [
        band_of(score=value_at(state=state, t=t, half_life_ms=half_life), bands=bands)
        for t in times
    ]
    assert found == (sorted(found) if state.score > 0 else sorted(found, reverse=True))


@settings(deadline=None)
@given(config=configs(), stored=histories, arrived=histories, start=states)
def test_the_uncapped_fast_path_adds_what_the_delta_adds(
    config: ScoringConfig, stored: list[Event], arrived: list[Event], start: ScoreState
) -> None:
    """With no capped rule matched, folding ``uncapped_points`` gives the very state (to
    the bit) that applying ``score_delta`` gives: the ingest path's shortcut."""
    uncapped = ScoringConfig(
        half_life_days=config.half_life_days,
        bands=config.bands,
        rules=tuple(replace(rule, max_per_day=None) for rule in config.rules),
    )
    assert capped_buckets(config=uncapped, arrived=arrived) == frozenset()
    half = uncapped.half_life_ms
    delta = score_delta(config=uncapped, arrived=arrived, earlier=stored)
    folded = start
    for points, ts in uncapped_points(config=uncapped, arrived=arrived):
        folded = add_points(state=folded, points=points, ts=ts, half_life_ms=half)
    assert folded == apply_delta(state=start, delta=delta, half_life_ms=half)
    assert not delta.removed
