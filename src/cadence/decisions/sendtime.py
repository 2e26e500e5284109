"""Send-time optimisation: the best hour, in a window, to reach one person.

Engagement is counted per hour of the week in the contact's local time (Monday 00:00 to
00:59 is hour 0, Sunday 23:00 is hour 167) as ``trials`` and ``successes``: messages
delivered in that hour and those opened or clicked, or weeks observed and weeks with
activity in that hour; either reading works. A contact has few counts, so each hour's
rate is shrunk (``shrink.shrunk_rate``) toward the segment's rate for that hour, which
is itself shrunk toward the population's, which is shrunk toward the population's
overall rate (so an hour nobody was ever reached in is not a blank).

``best_send_time`` then looks at the window's start and every local hour start after it
(up to the window's end, exclusive), drops those in quiet hours ``[start, end)`` of the
contact's local time (a range may wrap midnight, e.g. 21:00 to 08:00), and returns the
candidate with the highest expected engagement, the earliest on ties, in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from cadence.decisions.shrink import shrunk_rate

HOURS_PER_WEEK = 168
HOUR = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class HourlyCounts:
    """Trials and successes per hour of the week, local time."""

    trials: np.ndarray
    successes: np.ndarray

    def __post_init__(self) -> None:
        t, s = np.asarray(self.trials), np.asarray(self.successes)
        if t.shape != (HOURS_PER_WEEK,) or s.shape != (HOURS_PER_WEEK,):
            raise ValueError(f"counts must have {HOURS_PER_WEEK} entries, one per hour of week")
        if np.any(s < 0) or np.any(s > t):
            raise ValueError("need 0 <= successes <= trials in every hour")

    @classmethod
    def empty(cls) -> HourlyCounts:
        return cls(trials=np.zeros(HOURS_PER_WEEK), successes=np.zeros(HOURS_PER_WEEK))


def hour_of_week(*, local: datetime) -> int:
    """0 for Monday 00:00-00:59 up to 167 for Sunday 23:00-23:59."""
    return local.weekday() * 24 + local.hour


def counts_by_local_hour(
    rows: Iterable[tuple[str | None, int, int]], *, hour_ms: int = 3_600_000
) -> np.ndarray:
    """Per local hour of week, the total of ``(time zone, epoch hour, count)`` rows.

    A group's sends and responses are counted per UTC hour and per time zone (one
    aggregate query); each hour is placed in the week of its own zone, DST included.
    Unknown or missing zones count as UTC.
    """
    totals = np.zeros(HOURS_PER_WEEK)
    zones: dict[str | None, ZoneInfo] = {}
    for name, hour, count in rows:
        if name not in zones:
            zones[name] = _zone_or_utc(name)
        local = datetime.fromtimestamp(hour * hour_ms / 1000, tz=zones[name])
        totals[hour_of_week(local=local)] += count
    return totals


def _zone_or_utc(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def engagement_by_hour(
    *,
    contact: HourlyCounts,
    population: HourlyCounts,
    segment: HourlyCounts | None = None,
    contact_strength: float = 10.0,
    segment_strength: float = 50.0,
    population_strength: float = 100.0,
) -> np.ndarray:
    """Expected engagement per hour of week for the contact, after hierarchical shrinkage.

    The strengths are pseudo-trials at the level above; ``shrink.fit_strength`` estimates
    them from data (e.g. the segment's contacts' counts for ``contact_strength``).
    """
    overall = (float(population.successes.sum()) + 1.0) / (float(population.trials.sum()) + 2.0)
    rate = shrunk_rate(
        successes=population.successes,
        trials=population.trials,
        prior=overall,
        strength=population_strength,
    )
    if segment is not None:
        rate = shrunk_rate(
            successes=segment.successes,
            trials=segment.trials,
            prior=rate,
            strength=segment_strength,
        )
    return shrunk_rate(
        successes=contact.successes, trials=contact.trials, prior=rate, strength=contact_strength
    )


def is_quiet(*, local: time, quiet_hours: tuple[time, time] | None) -> bool:
    """Whether a local time of day falls in ``[start, end)``, wrapping midnight if needed."""
    if quiet_hours is None:
        return False
    start, end = quiet_hours
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def candidate_times(
    *, window_start: datetime, window_end: datetime, zone: ZoneInfo
) -> list[datetime]:
    """The window's start and each later local hour start before its end, in UTC."""
    start, end = window_start.astimezone(UTC), window_end.astimezone(UTC)
    local = start.astimezone(zone)
    into_hour = timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    times, at = [start], start - into_hour + HOUR
    while at < end:
        times.append(at)
        at += HOUR
    return [t for t in times if t < end]


def best_send_time(
    *,
    engagement: np.ndarray,
    window_start: datetime,
    window_end: datetime,
    time_zone: str,
    quiet_hours: tuple[time, time] | None = None,
) -> datetime | None:
    """The UTC instant in ``[window_start, window_end)`` with the best expected engagement.

    ``engagement`` comes from ``engagement_by_hour``. ``None`` when every candidate is
    in quiet hours (the caller decides: wait for the next window, or give up).
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    values = np.asarray(engagement, dtype=np.float64)
    if values.shape != (HOURS_PER_WEEK,):
        raise ValueError(f"engagement must have {HOURS_PER_WEEK} entries")
    zone = ZoneInfo(time_zone)
    best: datetime | None = None
    best_value = -np.inf
    for at in candidate_times(window_start=window_start, window_end=window_end, zone=zone):
        local = at.astimezone(zone)
        if is_quiet(local=local.time(), quiet_hours=quiet_hours):
            continue
        value = values[hour_of_week(local=local)]
        if value > best_value:
            best, best_value = at, value
    return best
