"""The contact policy's decision, pure: may this message go at ``at``, and if not, when?

Caps count every booked send of the contact in any window of ``per_days`` that contains
the moment (sends already scheduled later count too, so a message cannot crowd them);
the minimum gap is a cap of one message per ``min_gap_hours`` on every channel; quiet hours
are read on the contact's local clock. A block caused by capacity (cap, gap) may be lifted by
moving lower-priority messages that are still only queued: ``make_room`` says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from cadence.policy.models import DAY_MS, MINUTE_MS, Candidate, Cap, PastSend, Policy

_MAX_STEPS: Final = 10_000


class Limit(StrEnum):
    CAP = "cap"
    MIN_GAP = "min_gap"
    QUIET_HOURS = "quiet_hours"
    SUNSET = "sunset"
    PRIORITY = "priority"  # moved aside for a higher-priority message


CAPACITY: Final = frozenset({Limit.CAP, Limit.MIN_GAP})


@dataclass(frozen=True, kw_only=True)
class Limited:
    reason: Limit
    detail: str
    retry_at: int | None  # the first moment all limits allow it; None: never by itself


def check(
    *,
    policy: Policy,
    candidate: Candidate,
    history: Sequence[PastSend],
    zone: ZoneInfo,
    last_response: int | None,
) -> Limited | None:
    """None when the policy allows ``candidate`` now, else the first limit it breaks."""
    stopped = _sunset_stop(policy, candidate, last_response)
    if stopped is not None:
        return stopped
    caps = effective_caps(
        policy,
        at=candidate.at,
        last_response=last_response,
        last_call=_is_last_call(policy, candidate),
    )
    for cap, reason in caps:
        times = _times(history, cap.channel, candidate.channel)
        if _full(candidate.at, times, cap):
            return Limited(
                reason=reason,
                detail=_cap_detail(cap, reason),
                retry_at=next_allowed(
                    policy=policy, candidate=candidate, history=history, zone=zone, caps=caps
                ),
            )
    if policy.quiet_hours is not None and _quiet(policy, candidate.at, zone):
        return Limited(
            reason=Limit.QUIET_HOURS,
            detail=f"quiet hours {policy.quiet_hours.as_document()} in {zone.key}",
            retry_at=next_allowed(
                policy=policy, candidate=candidate, history=history, zone=zone, caps=caps
            ),
        )
    return None


def effective_caps(
    policy: Policy, *, at: int, last_response: int | None, last_call: bool = False
) -> list[tuple[Cap, Limit]]:
    """The caps in force for this contact: the policy's, the gap, and the sunset's (which
    the sunset's own last message is exempt from)."""
    caps = [(cap, Limit.CAP) for cap in policy.caps]
    if policy.min_gap > 0:
        caps.append((Cap(channel="*", max=1, per_days=policy.min_gap_hours / 24), Limit.MIN_GAP))
    sunset = policy.sunset
    if (
        sunset is not None
        and not last_call
        and _inactive_days(at, last_response) >= sunset.after_days
    ):
        caps.append((Cap(channel="*", max=sunset.max, per_days=sunset.per_days), Limit.SUNSET))
    return caps


def next_allowed(
    *,
    policy: Policy,
    candidate: Candidate,
    history: Sequence[PastSend],
    zone: ZoneInfo,
    caps: Sequence[tuple[Cap, Limit]],
) -> int | None:
    """The earliest moment from ``candidate.at`` that every cap and the quiet hours allow."""
    moment = candidate.at
    for _ in range(_MAX_STEPS):
        later = moment
        for cap, _reason in caps:
            later = _cap_free(later, _times(history, cap.channel, candidate.channel), cap)
        if policy.quiet_hours is not None and _quiet(policy, later, zone):
            later = _quiet_end(policy, later, zone)
        if later == moment:
            return moment
        moment = later
    return None


def make_room(
    *,
    policy: Policy,
    candidate: Candidate,
    history: Sequence[PastSend],
    zone: ZoneInfo,
    last_response: int | None,
) -> tuple[PastSend, ...] | None:
    """Lower-priority, still movable sends whose removal lets ``candidate`` through now
    (lowest priority, then latest, first; none moved needlessly), or None if none would."""
    movable = sorted(
        (h for h in history if h.movable and h.priority < candidate.priority),
        key=lambda h: (h.priority, -h.at),
    )
    removed: list[PastSend] = []

    def allowed(without: Iterable[PastSend]) -> bool:
        gone = {id(h) for h in without}
        rest = [h for h in history if id(h) not in gone]
        found = check(
            policy=policy, candidate=candidate, history=rest, zone=zone, last_response=last_response
        )
        return found is None

    for send in movable:
        removed.append(send)
        if allowed(removed):
            break
    else:
        return None
    for send in list(removed):  # keep whatever need not move
        trial = [h for h in removed if h is not send]
        if allowed(trial):
            removed = trial
    return tuple(removed)


def zone_for(*, trait: object, default: str) -> ZoneInfo:
    """The contact's time zone trait when it names a real zone, else the workspace's."""
    if isinstance(trait, str) and trait:
        try:
            return ZoneInfo(trait)
        except (ValueError, KeyError, OSError):
            pass
    return ZoneInfo(default)


def _sunset_stop(policy: Policy, candidate: Candidate, last_response: int | None) -> Limited | None:
    sunset = policy.sunset
    if sunset is None or _inactive_days(candidate.at, last_response) < sunset.stop_after_days:
        return None
    if _is_last_call(policy, candidate):
        return None  # the one last "do you still want to hear from us?"
    return Limited(
        reason=Limit.SUNSET,
        detail=f"no response for {sunset.stop_after_days:g} days: no more messages",
        retry_at=None,
    )


def _is_last_call(policy: Policy, candidate: Candidate) -> bool:
    sunset = policy.sunset
    return (
        sunset is not None
        and sunset.message is not None
        and (candidate.message_key == sunset.message)
    )


def _inactive_days(at: int, last_response: int | None) -> float:
    if last_response is None:
        return 0.0  # never measured: not known to have lost interest
    return (at - last_response) / DAY_MS


def _times(history: Sequence[PastSend], cap_channel: str, channel: str) -> list[int]:
    if cap_channel != "*" and cap_channel != channel:
        return []
    return [h.at for h in history if cap_channel == "*" or h.channel == cap_channel]


def _full(moment: int, times: Sequence[int], cap: Cap) -> bool:
    """Would one more send at ``moment`` put ``max`` + 1 sends in some window holding it?"""
    window = cap.window
    near = [t for t in times if moment - window < t < moment + window]
    if len(near) < cap.max:
        return False
    # the count changes only where a send leaves (start = t + 1 .. t) or enters (t - window + 1)
    lowest = moment - window + 1
    starts = {lowest, moment, *(t for t in near if t <= moment)}
    starts |= {t - window + 1 for t in near if lowest <= t - window + 1 <= moment}
    return any(sum(1 for t in near if start <= t < start + window) >= cap.max for start in starts)


def _cap_free(moment: int, times: Sequence[int], cap: Cap) -> int:
    if not _full(moment, times, cap):
        return moment
    for candidate in sorted({t + cap.window for t in times if t + cap.window > moment}):
        if not _full(candidate, times, cap):
            return candidate
    return max(times) + cap.window  # unreachable: past every send the window is empty


def _cap_detail(cap: Cap, reason: Limit) -> str:
    if reason is Limit.MIN_GAP:
        return f"another message within {cap.per_days * 24:g} hours"
    scope = "any channel" if cap.channel == "*" else cap.channel
    prefix = "sunset: " if reason is Limit.SUNSET else ""
    return f"{prefix}{cap.max} per {cap.per_days:g} days on {scope} reached"


def _local_minute(moment: int, zone: ZoneInfo) -> tuple[datetime, float]:
    local = datetime.fromtimestamp(moment / 1000, tz=zone)
    return local, local.hour * 60 + local.minute + local.second / 60


def _quiet(policy: Policy, moment: int, zone: ZoneInfo) -> bool:
    hours = policy.quiet_hours
    assert hours is not None
    _, minute = _local_minute(moment, zone)
    if hours.start <= hours.end:
        return hours.start <= minute < hours.end
    return minute >= hours.start or minute < hours.end


def _quiet_end(policy: Policy, moment: int, zone: ZoneInfo) -> int:
    hours = policy.quiet_hours
    assert hours is not None
    local, minute = _local_minute(moment, zone)
    day = local.date()
    if hours.start > hours.end and minute >= hours.start:
        day += timedelta(days=1)
    end = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=hours.end)
    # wall-clock arithmetic; round-trip through UTC to land on a real instant across DST
    value = int(end.timestamp() * 1000)
    return value if value > moment else moment + MINUTE_MS
