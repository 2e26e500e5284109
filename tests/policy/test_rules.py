"""The contact policy's pure rules: caps, gap, quiet hours, sunset, priorities (no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.policy.config import parse
from cadence.policy.models import (
    DAY_MS,
    HOUR_MS,
    Candidate,
    Cap,
    PastSend,
    Policy,
    QuietHours,
    Sunset,
)
from cadence.policy.rules import Limit, check, make_room

UTC_ZONE = ZoneInfo("UTC")
T0 = int(datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp() * 1000)  # a Monday, noon UTC


def decide(policy: Policy, at: int, history: list[PastSend], **kw: object) -> object:
    candidate = Candidate(at=at, channel=str(kw.pop("channel", "email")), **kw)  # type: ignore[arg-type]
    return check(
        policy=policy, candidate=candidate, history=history, zone=UTC_ZONE, last_response=None
    )


def test_a_cap_defers_to_when_the_oldest_send_leaves_the_window() -> None:
    policy = Policy(caps=(Cap(channel="email", max=2, per_days=7),))
    history = [PastSend(at=T0 - 3 * DAY_MS, channel="email"), PastSend(at=T0, channel="email")]
    limited = decide(policy, T0 + HOUR_MS, history)
    assert limited is not None and limited.reason is Limit.CAP  # type: ignore[attr-defined]
    assert limited.retry_at == T0 + 4 * DAY_MS  # type: ignore[attr-defined]
    assert decide(policy, T0 + HOUR_MS, history, channel="sms") is None  # other channel


def test_a_send_scheduled_later_counts_too() -> None:
    policy = Policy(caps=(Cap(channel="email", max=1, per_days=7),))
    later = [PastSend(at=T0 + 2 * DAY_MS, channel="email")]
    limited = decide(policy, T0, later)
    assert limited is not None and limited.retry_at == T0 + 9 * DAY_MS  # type: ignore[attr-defined]


def test_min_gap_spans_every_channel() -> None:
    policy = Policy(min_gap_hours=12)
    history = [PastSend(at=T0, channel="sms")]
    limited = decide(policy, T0 + 2 * HOUR_MS, history)
    assert limited is not None and limited.reason is Limit.MIN_GAP  # type: ignore[attr-defined]
    assert limited.retry_at == T0 + 12 * HOUR_MS  # type: ignore[attr-defined]


def test_quiet_hours_on_the_contacts_clock() -> None:
    policy = Policy(quiet_hours=QuietHours(start=21 * 60, end=8 * 60))
    late = int(datetime(2026, 3, 2, 22, 30, tzinfo=UTC).timestamp() * 1000)
    candidate = Candidate(at=late, channel="email")
    limited = check(
        policy=policy, candidate=candidate, history=[], zone=UTC_ZONE, last_response=None
    )
    assert limited is not None and limited.reason is Limit.QUIET_HOURS
    assert limited.retry_at == int(datetime(2026, 3, 3, 8, 0, tzinfo=UTC).timestamp() * 1000)
    # 22:30 UTC is 07:30 in Tokyo: still quiet until 08:00 there (23:00 UTC)
    tokyo = check(
        policy=policy,
        candidate=candidate,
        history=[],
        zone=ZoneInfo("Asia/Tokyo"),
        last_response=None,
    )
    assert tokyo is not None and tokyo.retry_at == late + 30 * 60_000
    # 22:30 UTC is 17:30 in New York: allowed
    assert (
        check(
            policy=policy,
            candidate=candidate,
            history=[],
            zone=ZoneInfo("America/New_York"),
            last_response=None,
        )
        is None
    )


def test_sunset_reduces_then_stops_except_the_last_call() -> None:
    sunset = Sunset(after_days=90, max=1, per_days=30, stop_after_days=180, message="still")
    policy = Policy(sunset=sunset)
    history = [PastSend(at=T0 - 10 * DAY_MS, channel="email")]

    def at(days_quiet: int, key: str = "news") -> object:
        candidate = Candidate(at=T0, channel="email", message_key=key)
        return check(
            policy=policy,
            candidate=candidate,
            history=history,
            zone=UTC_ZONE,
            last_response=T0 - days_quiet * DAY_MS,
        )

    assert at(30) is None
    reduced = at(100)
    assert reduced is not None and reduced.reason is Limit.SUNSET  # type: ignore[attr-defined]
    assert reduced.retry_at == T0 + 20 * DAY_MS  # type: ignore[attr-defined]
    stopped = at(200)
    assert stopped is not None and stopped.retry_at is None  # type: ignore[attr-defined]
    assert at(200, key="still") is None


def test_a_higher_priority_moves_only_what_it_must() -> None:
    policy = Policy(caps=(Cap(channel="email", max=2, per_days=7),))
    history = [
        PastSend(at=T0 - DAY_MS, channel="email", priority=1, movable=False, ref=1),
        PastSend(at=T0 + HOUR_MS, channel="email", priority=2, movable=True, ref=2),
        PastSend(at=T0 + 2 * HOUR_MS, channel="sms", priority=0, movable=True, ref=3),
    ]
    candidate = Candidate(at=T0, channel="email", priority=5)
    moved = make_room(
        policy=policy, candidate=candidate, history=history, zone=UTC_ZONE, last_response=None
    )
    assert moved is not None and [m.ref for m in moved] == [2]
    low = Candidate(at=T0, channel="email", priority=2)
    assert (
        make_room(policy=policy, candidate=low, history=history, zone=UTC_ZONE, last_response=None)
        is None
    )


def test_parse_reports_every_problem_with_its_path() -> None:
    _, errors = parse(
        {
            "caps": [{"channel": "fax", "max": 0, "per_days": -1}, "x"],
            "quiet_hours": {"start": "25:00", "end": "08:00"},
            "min_gap_hours": "a",
            "timezone": "Mars/Olympus",
            "sunset": {"after_days": 90, "stop_after_days": 30},
            "extra": 1,
        }
    )
    assert {e.field for e in errors} == {
        "policy.extra",
        "policy.caps[0].channel",
        "policy.caps[0].max",
        "policy.caps[0].per_days",
        "policy.caps[1]",
        "policy.quiet_hours.start",
        "policy.min_gap_hours",
        "policy.timezone",
        "policy.sunset.stop_after_days",
    }
    good, none = parse(
        {
            "caps": [{"channel": "email", "max": 3, "per_days": 7}],
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "min_gap_hours": 12,
        }
    )
    assert none == [] and parse(good.as_document())[0] == good


SENDS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30 * 24),  # hour offset
        st.sampled_from(["email", "sms"]),
        st.integers(min_value=0, max_value=3),  # priority
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(SENDS)
def test_no_sequence_of_sends_breaks_a_cap_or_the_gap(attempts: list[tuple[int, str, int]]) -> None:
    """Whatever is asked, in whatever order, what the rules let through never breaks a cap
    or the gap, and never lands in quiet hours, moved-aside sends included."""
    policy = Policy(
        caps=(Cap(channel="email", max=3, per_days=7), Cap(channel="sms", max=2, per_days=30)),
        min_gap_hours=6,
        quiet_hours=QuietHours(start=21 * 60, end=8 * 60),
    )
    booked: list[PastSend] = []
    for ref, (hour, channel, priority) in enumerate(attempts):
        candidate = Candidate(at=T0 + hour * HOUR_MS, channel=channel, priority=priority)
        limited = check(
            policy=policy, candidate=candidate, history=booked, zone=UTC_ZONE, last_response=None
        )
        if limited is not None and limited.reason in (Limit.CAP, Limit.MIN_GAP):
            moved = make_room(
                policy=policy,
                candidate=candidate,
                history=booked,
                zone=UTC_ZONE,
                last_response=None,
            )
            if moved:
                booked = [b for b in booked if all(b is not m for m in moved)]
                limited = None
        if limited is None:
            booked.append(
                PastSend(at=candidate.at, channel=channel, priority=priority, movable=True, ref=ref)
            )
        elif limited.retry_at is not None:  # a deferred send, asked again at its moment
            again = Candidate(at=limited.retry_at, channel=channel, priority=priority)
            assert (
                check(
                    policy=policy,
                    candidate=again,
                    history=booked,
                    zone=UTC_ZONE,
                    last_response=None,
                )
                is None
            )
    times = sorted(b.at for b in booked)
    assert all(b - a >= 6 * HOUR_MS for a, b in itertools.pairwise(times))
    for cap in policy.caps:
        mine = sorted(b.at for b in booked if b.channel == cap.channel)
        for i, start in enumerate(mine):
            assert sum(1 for t in mine[i:] if t < start + cap.window) <= cap.max
    for b in booked:
        hour = datetime.fromtimestamp(b.at / 1000, tz=UTC).hour
        assert 8 <= hour < 21
