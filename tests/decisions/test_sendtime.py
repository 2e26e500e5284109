"""Send-time optimisation, channel choice and the shrinkage behind both."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cadence.decisions.channel import Responses, best_channel, channel_posteriors
from cadence.decisions.sendtime import (
    HOURS_PER_WEEK,
    HourlyCounts,
    best_send_time,
    candidate_times,
    engagement_by_hour,
    hour_of_week,
)
from cadence.decisions.shrink import fit_strength, shrunk_rate

BERLIN = "Europe/Berlin"


def counts(**peaks: tuple[int, int]) -> HourlyCounts:
    """Counts with ``h<hour-of-week>=(trials, successes)`` entries, zeros elsewhere."""
    trials, successes = np.zeros(HOURS_PER_WEEK), np.zeros(HOURS_PER_WEEK)
    for name, (n, s) in peaks.items():
        trials[int(name[1:])], successes[int(name[1:])] = n, s
    return HourlyCounts(trials=trials, successes=successes)


def flat(*, trials: float, rate: float) -> HourlyCounts:
    return HourlyCounts(
        trials=np.full(HOURS_PER_WEEK, trials), successes=np.full(HOURS_PER_WEEK, trials * rate)
    )


def test_hour_of_week() -> None:
    assert hour_of_week(local=datetime(2024, 6, 3, 0, 30)) == 0  # a Monday
    assert hour_of_week(local=datetime(2024, 6, 4, 9, 0)) == 33
    assert hour_of_week(local=datetime(2024, 6, 9, 23, 59)) == 167  # a Sunday


def test_shrunk_rate_by_hand() -> None:
    assert shrunk_rate(successes=np.array(3), trials=np.array(5), prior=0.2, strength=10) == (
        pytest.approx(1 / 3)
    )
    with pytest.raises(ValueError):
        shrunk_rate(successes=np.array(6), trials=np.array(5), prior=0.2, strength=10)


def test_a_contact_without_history_follows_the_segment_then_the_population() -> None:
    population = flat(trials=1000, rate=0.1)
    segment = counts(h33=(400, 200))  # Tuesdays at 09:00 work for this segment
    nobody = HourlyCounts.empty()
    rates = engagement_by_hour(contact=nobody, segment=segment, population=population)
    assert int(np.argmax(rates)) == 33
    assert rates[0] == pytest.approx(0.1, rel=0.01)
    alone = engagement_by_hour(contact=nobody, population=population)
    assert np.allclose(alone, alone[0])


def test_a_contact_with_enough_history_follows_their_own_pattern() -> None:
    population = flat(trials=1000, rate=0.1)
    segment = counts(h33=(400, 200))
    contact = counts(h57=(30, 24))  # Wednesdays at 09:00, opened 24 out of 30 times
    rates = engagement_by_hour(contact=contact, segment=segment, population=population)
    assert int(np.argmax(rates)) == 57
    assert 0.5 < rates[57] < 0.8  # pulled toward the group, not all the way


def test_best_send_time_is_the_best_local_hour_in_the_window_in_utc() -> None:
    rates = np.full(HOURS_PER_WEEK, 0.1)
    rates[33] = 0.5  # Tuesday 09:00 local
    rates[34] = 0.4
    start = datetime(2024, 6, 3, 6, 17, tzinfo=UTC)  # Monday 08:17 in Berlin (UTC+2)
    at = best_send_time(
        engagement=rates, window_start=start, window_end=start + timedelta(days=3), time_zone=BERLIN
    )
    assert at == datetime(2024, 6, 4, 7, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
    assert at is not None and at.tzinfo is UTC
    short = best_send_time(
        engagement=rates,
        window_start=start,
        window_end=start + timedelta(hours=5),
        time_zone=BERLIN,
    )
    assert short == start  # all hours tie at 0.1 within the morning: the earliest wins


def test_quiet_hours_are_skipped_even_across_midnight() -> None:
    rates = np.full(HOURS_PER_WEEK, 0.1)
    rates[22] = 0.9  # Monday 22:00 local: quiet
    rates[10] = 0.3  # Monday 10:00 local
    start = datetime(2024, 6, 3, 0, 0, tzinfo=ZoneInfo(BERLIN))
    at = best_send_time(
        engagement=rates,
        window_start=start,
        window_end=start + timedelta(days=1),
        time_zone=BERLIN,
        quiet_hours=(time(21, 0), time(8, 0)),
    )
    assert at == datetime(2024, 6, 3, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
    loud = best_send_time(
        engagement=rates, window_start=start, window_end=start + timedelta(days=1), time_zone=BERLIN
    )
    assert loud == datetime(2024, 6, 3, 20, 0, tzinfo=UTC)
    night = best_send_time(
        engagement=rates,
        window_start=start,
        window_end=start + timedelta(hours=7),
        time_zone=BERLIN,
        quiet_hours=(time(21, 0), time(8, 0)),
    )
    assert night is None


def test_candidates_follow_local_hours_through_a_clock_change() -> None:
    # Berlin springs forward on 31 March 2024 at 02:00: that local hour does not exist.
    zone = ZoneInfo(BERLIN)
    start = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # midnight in Berlin
    times = candidate_times(window_start=start, window_end=start + timedelta(hours=4), zone=zone)
    assert [t.astimezone(zone).hour for t in times] == [0, 1, 3, 4]
    # Kolkata is UTC+05:30: local hour starts fall on the half hour in UTC.
    kolkata = ZoneInfo("Asia/Kolkata")
    start = datetime(2024, 6, 3, 0, 10, tzinfo=UTC)
    times = candidate_times(window_start=start, window_end=start + timedelta(hours=2), zone=kolkata)
    assert [t.minute for t in times] == [10, 30, 30]


def test_naive_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        best_send_time(
            engagement=np.zeros(HOURS_PER_WEEK),
            window_start=datetime(2024, 1, 1),
            window_end=datetime(2024, 1, 2),
            time_zone=BERLIN,
        )


def test_fit_strength_recovers_the_spread_between_contacts() -> None:
    rng = np.random.default_rng(0)
    alpha, beta = 4.0, 16.0  # strength 20 around a rate of 0.2
    rates = rng.beta(alpha, beta, size=3000)
    trials = rng.integers(5, 60, size=3000)
    successes = rng.binomial(trials, rates)
    assert 15 < fit_strength(successes=successes, trials=trials) < 27
    same = rng.binomial(np.full(3000, 40), 0.2)  # no spread at all
    assert fit_strength(successes=same, trials=np.full(3000, 40), highest=500.0) >= 200


def test_channel_choice_prefers_this_persons_evidence_over_the_crowd() -> None:
    population = {
        "email": Responses(sent=10_000, responded=1_000),
        "sms": Responses(sent=2_000, responded=100),
    }
    newcomer: dict[str, Responses] = {}
    assert best_channel(consented=["email", "sms"], contact=newcomer, population=population) == (
        "email"
    )
    texter = {"email": Responses(sent=20, responded=0), "sms": Responses(sent=10, responded=6)}
    assert best_channel(consented=["email", "sms"], contact=texter, population=population) == "sms"
    assert best_channel(consented=["email"], contact=texter, population=population) == "email"
    assert best_channel(consented=[], contact=texter, population=population) is None


def test_channel_posteriors_by_hand() -> None:
    population = {"email": Responses(sent=98, responded=9)}
    [email, push] = channel_posteriors(
        channels=["email", "push"],
        contact={"email": Responses(sent=4, responded=2)},
        population=population,
        strength=10.0,
    )
    overall = 10 / 100  # (9 + 1) / (98 + 2)
    email_prior = (9 + 10 * overall) / (98 + 10)
    assert (email.alpha, email.beta) == pytest.approx(
        (10 * email_prior + 2, 10 * (1 - email_prior) + 2)
    )
    assert push.mean == pytest.approx(overall)  # nobody has used push: the overall rate
    with pytest.raises(ValueError):
        Responses(sent=1, responded=2)
