import math

import pytest

from cadence.scoring.decay import (
    ScoreNotReadable,
    ScoreState,
    add_points,
    advance,
    band_of,
    combine,
    next_band_change,
    value_at,
)

from .factories import DAY, ms

HALF_LIFE = 30 * DAY
BANDS = (80.0, 50.0, 25.0, 10.0)


def test_a_score_halves_every_half_life_even_across_years() -> None:
    start = ms("2020-01-01T00:00")
    state = add_points(state=ScoreState(), points=1024, ts=start, half_life_ms=HALF_LIFE)
    assert state == ScoreState(score=1024, as_of=start)
    assert value_at(state=state, t=start + 30 * DAY, half_life_ms=HALF_LIFE) == 512
    # 300 days = 10 half-lives; 720 days (two years later) = 24 half-lives
    assert value_at(state=state, t=start + 300 * DAY, half_life_ms=HALF_LIFE) == 1
    assert value_at(state=state, t=start + 720 * DAY, half_life_ms=HALF_LIFE) == 1024 / 2**24
    # ten years later: the decay is still exact, and tiny, never an overflow
    ten_years = ms("2030-01-01T00:00") - start
    expected = 1024 * 2 ** (-ten_years / HALF_LIFE)
    assert value_at(state=state, t=start + ten_years, half_life_ms=HALF_LIFE) == expected
    assert 0 < expected < 1e-30


def test_points_years_apart_add_up_exactly() -> None:
    first, second = ms("2021-01-01T00:00"), ms("2021-01-01T00:00") + 90 * DAY
    state = add_points(state=ScoreState(), points=64, ts=first, half_life_ms=HALF_LIFE)
    state = add_points(state=state, points=32, ts=second, half_life_ms=HALF_LIFE)
    assert state == ScoreState(score=64 / 8 + 32, as_of=second)
    assert value_at(state=state, t=second + 30 * DAY, half_life_ms=HALF_LIFE) == 20  # 4 + 16
    years_later = ms("2024-06-01T00:00")
    assert value_at(state=state, t=years_later, half_life_ms=HALF_LIFE) == pytest.approx(
        64 * 2 ** (-(years_later - first) / HALF_LIFE)
        + 32 * 2 ** (-(years_later - second) / HALF_LIFE),
        rel=1e-12,
    )


def test_a_late_event_counts_as_if_it_had_arrived_on_time() -> None:
    early, late = ms("2021-01-01T00:00"), ms("2021-01-01T00:00") + 90 * DAY
    on_time = add_points(state=ScoreState(), points=64, ts=early, half_life_ms=HALF_LIFE)
    on_time = add_points(state=on_time, points=32, ts=late, half_life_ms=HALF_LIFE)
    out_of_order = add_points(state=ScoreState(), points=32, ts=late, half_life_ms=HALF_LIFE)
    out_of_order = add_points(state=out_of_order, points=64, ts=early, half_life_ms=HALF_LIFE)
    assert out_of_order == on_time == ScoreState(score=40, as_of=late)


def test_negative_points_and_no_decay() -> None:
    t0 = ms("2022-05-01T12:00")
    state = add_points(state=ScoreState(), points=25, ts=t0, half_life_ms=None)
    state = add_points(state=state, points=-30, ts=t0 + DAY, half_life_ms=None)
    assert value_at(state=state, t=t0 + 3650 * DAY, half_life_ms=None) == -5
    decaying = add_points(state=ScoreState(), points=-30, ts=t0, half_life_ms=HALF_LIFE)
    assert value_at(state=decaying, t=t0 + 60 * DAY, half_life_ms=HALF_LIFE) == -7.5


def test_a_future_dated_event_makes_earlier_reads_refuse_rather_than_lie() -> None:
    now = ms("2024-01-01T00:00")
    state = add_points(state=ScoreState(), points=10, ts=now - DAY, half_life_ms=HALF_LIFE)
    state = add_points(state=state, points=50, ts=now + DAY, half_life_ms=HALF_LIFE)
    assert state.as_of == now + DAY
    with pytest.raises(ScoreNotReadable, match="cannot be read at the earlier time"):
        value_at(state=state, t=now, half_life_ms=HALF_LIFE)
    expected = 50 + 10 * 2 ** (-2 * DAY / HALF_LIFE)
    assert value_at(state=state, t=now + DAY, half_life_ms=HALF_LIFE) == pytest.approx(expected)
    assert value_at(state=ScoreState(), t=0, half_life_ms=HALF_LIFE) == 0


def test_advance_and_combine_keep_the_same_function_of_time() -> None:
    t0 = ms("2023-03-01T00:00")
    one = ScoreState(score=40, as_of=t0)
    two = ScoreState(score=-8, as_of=t0 + 30 * DAY)
    assert advance(state=one, to=t0 + 60 * DAY, half_life_ms=HALF_LIFE) == ScoreState(
        score=10, as_of=t0 + 60 * DAY
    )
    assert advance(state=ScoreState(), to=t0, half_life_ms=HALF_LIFE) == ScoreState(0.0, t0)
    assert combine(first=one, second=two, half_life_ms=HALF_LIFE) == ScoreState(
        score=12, as_of=t0 + 30 * DAY
    )
    assert combine(first=ScoreState(), second=two, half_life_ms=HALF_LIFE) == two
    assert combine(first=one, second=ScoreState(), half_life_ms=HALF_LIFE) == one


@pytest.mark.parametrize(
    ("score", "band"),
    [(1e9, 1), (80, 1), (79.99, 2), (50, 2), (49.9, 3), (25, 3), (10, 4), (9.99, 5), (-5, 5)],
)
def test_bands(score: float, band: int) -> None:
    assert band_of(score=score, bands=BANDS) == band


def test_a_decaying_score_changes_band_the_millisecond_it_falls_below_the_threshold() -> None:
    t0 = ms("2024-02-01T00:00")
    state = ScoreState(score=160, as_of=t0)
    # 160 halves to exactly 80 after 30 days: still band 1 then, band 2 one ms later
    change = next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=t0)
    assert change == t0 + 30 * DAY + 1
    assert value_at(state=state, t=change - 1, half_life_ms=HALF_LIFE) == 80
    # from band 2 the next threshold is 50, crossed at t0 + 30 d * log2(160 / 50)
    then = next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=change)
    assert then == math.floor(t0 + HALF_LIFE * math.log2(160 / 50)) + 1
    assert value_at(state=state, t=then - 1, half_life_ms=HALF_LIFE) >= 50
    assert value_at(state=state, t=then, half_life_ms=HALF_LIFE) < 50
    # below the last threshold a positive score stays in band 5
    low = ScoreState(score=9, as_of=t0)
    assert next_band_change(state=low, bands=BANDS, half_life_ms=HALF_LIFE, now=t0) is None


def test_a_negative_score_rises_toward_zero_through_negative_thresholds() -> None:
    bands = (10.0, 0.0, -10.0, -20.0)
    t0 = ms("2024-02-01T00:00")
    state = ScoreState(score=-40, as_of=t0)
    assert band_of(score=-40, bands=bands) == 5
    # -40 halves to exactly -20 after 30 days: band 4 from that very millisecond
    change = next_band_change(state=state, bands=bands, half_life_ms=HALF_LIFE, now=t0)
    assert change == t0 + 30 * DAY
    before = value_at(state=state, t=change - 1, half_life_ms=HALF_LIFE)
    assert band_of(score=before, bands=bands) == 5
    assert band_of(score=value_at(state=state, t=change, half_life_ms=HALF_LIFE), bands=bands) == 4
    assert next_band_change(state=state, bands=bands, half_life_ms=HALF_LIFE, now=change) == (
        t0 + 60 * DAY
    )
    # a negative score never reaches zero, so band 3 (from -10 up to 0) is final
    assert (
        next_band_change(state=state, bands=bands, half_life_ms=HALF_LIFE, now=t0 + 60 * DAY)
        is None
    )
    # with the usual positive thresholds a negative score is band 5 for good
    assert next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=t0) is None


def test_no_band_change_without_decay_or_without_points() -> None:
    t0 = ms("2024-02-01T00:00")
    assert (
        next_band_change(
            state=ScoreState(score=100, as_of=t0), bands=BANDS, half_life_ms=None, now=t0
        )
        is None
    )
    for state in (ScoreState(), ScoreState(score=0.0, as_of=t0)):
        assert next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=t0) is None


def test_the_band_change_is_counted_from_now() -> None:
    t0 = ms("2024-02-01T00:00")
    state = ScoreState(score=160, as_of=t0)
    later = t0 + 10 * DAY
    assert next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=later) == (
        t0 + 30 * DAY + 1
    )
    with pytest.raises(ScoreNotReadable):
        next_band_change(state=state, bands=BANDS, half_life_ms=HALF_LIFE, now=t0 - 1)
