"""Exact exponential decay of a score stored as ``(score, as_of)``.

The issue's semantics: the score at time ``t`` is the sum over counted contributions ``i``
with ``ts_i <= t`` of ``points_i * 2 ** (-(t - ts_i) / half_life)``.

A ``ScoreState`` stores that sum evaluated at ``as_of``, with the invariant that every
counted contribution has ``ts_i <= as_of``. For any ``t >= as_of`` the stored form then
gives the formula exactly: ``score * 2 ** (-(t - as_of) / half_life)``.

- A late (out-of-order) contribution, ``ts <= as_of``, is added decayed to ``as_of``:
  ``score += points * 2 ** (-(as_of - ts) / half_life)``; ``as_of`` does not move.
- A contribution after ``as_of`` moves ``as_of`` forward to its ``ts`` first:
  ``score = score * 2 ** (-(ts - as_of) / half_life) + points``.

So ``as_of`` is the latest counted timestamp (or a later instant the state was advanced
to), and every exponent is <= 0: nothing overflows, however far apart the times are.

Future-dated events: an event with ``ts`` later than the present moves ``as_of`` past
the present, and the stored form cannot say what the score is before ``as_of`` (the
event must not count yet). ``value_at`` refuses such a query with ``ScoreNotReadable``
rather than answer wrongly. Ingestion should clamp an event's time to its receive time
(as Segment does for clock skew) so that ``as_of <= now`` always holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class ScoreNotReadable(ValueError):
    """The stored state includes contributions later than the instant asked for."""


@dataclass(frozen=True, slots=True)
class ScoreState:
    """The exact score at ``as_of`` (epoch ms); ``as_of`` None means nothing counted yet."""

    score: float = 0.0
    as_of: int | None = None


def decay_factor(*, elapsed_ms: float, half_life_ms: float | None) -> float:
    """``2 ** (-elapsed / half_life)``; 1 without decay."""
    if half_life_ms is None:
        return 1.0
    return float(2.0 ** (-elapsed_ms / half_life_ms))


def value_at(*, state: ScoreState, t: int, half_life_ms: float | None) -> float:
    """The score at ``t``; ``t`` must not be earlier than ``state.as_of``."""
    if state.as_of is None:
        return 0.0
    if t < state.as_of:
        raise ScoreNotReadable(
            f"the score is stored as of {state.as_of} ms and includes points from then; "
            f"it cannot be read at the earlier time {t} ms"
        )
    return state.score * decay_factor(elapsed_ms=t - state.as_of, half_life_ms=half_life_ms)


def add_points(
    *, state: ScoreState, points: float, ts: int, half_life_ms: float | None
) -> ScoreState:
    """Count ``points`` earned at ``ts`` (any order), in O(1)."""
    if state.as_of is None:
        return ScoreState(score=points, as_of=ts)
    if ts <= state.as_of:
        weight = decay_factor(elapsed_ms=state.as_of - ts, half_life_ms=half_life_ms)
        return ScoreState(score=state.score + points * weight, as_of=state.as_of)
    moved = decay_factor(elapsed_ms=ts - state.as_of, half_life_ms=half_life_ms)
    return ScoreState(score=state.score * moved + points, as_of=ts)


def advance(*, state: ScoreState, to: int, half_life_ms: float | None) -> ScoreState:
    """The same score expressed as of the later instant ``to`` (e.g. now, before storing)."""
    if state.as_of is None:
        return ScoreState(score=0.0, as_of=to)
    return ScoreState(score=value_at(state=state, t=to, half_life_ms=half_life_ms), as_of=to)


def combine(*, first: ScoreState, second: ScoreState, half_life_ms: float | None) -> ScoreState:
    """The state counting the contributions of both (e.g. two merged contacts, caps aside)."""
    if first.as_of is None:
        return second
    if second.as_of is None:
        return first
    as_of = max(first.as_of, second.as_of)
    total = value_at(state=first, t=as_of, half_life_ms=half_life_ms) + value_at(
        state=second, t=as_of, half_life_ms=half_life_ms
    )
    return ScoreState(score=total, as_of=as_of)


def band_of(*, score: float, bands: Sequence[float]) -> int:
    """Band 1 for ``score >= bands[0]``, 2 for ``>= bands[1]`` ... ``len(bands) + 1`` below."""
    for index, threshold in enumerate(bands):
        if score >= threshold:
            return index + 1
    return len(bands) + 1


def next_band_change(
    *, state: ScoreState, bands: Sequence[float], half_life_ms: float | None, now: int
) -> int | None:
    """The first integer ms after ``now`` at which decay alone changes the band, or None.

    A positive score decays toward zero and leaves its band when it drops below the
    band's (positive) threshold; a negative score rises toward zero and enters the better
    band when it reaches that band's (negative) threshold. The closed form
    ``as_of + half_life * log2(score / threshold)`` locates the instant; a short bracketed
    search then makes it exact for the very arithmetic ``value_at`` uses, so
    ``band_of(value_at(t - 1))`` is still the current band and ``band_of(value_at(t))``
    is not.
    """
    if half_life_ms is None or state.as_of is None or state.score == 0.0:
        return None
    current = band_of(score=value_at(state=state, t=now, half_life_ms=half_life_ms), bands=bands)
    threshold = _threshold_ahead(score=state.score, band=current, bands=bands)
    if threshold is None:
        return None
    estimate = state.as_of + half_life_ms * math.log2(state.score / threshold)

    def changed(t: int) -> bool:
        value = value_at(state=state, t=t, half_life_ms=half_life_ms)
        return band_of(score=value, bands=bands) != current

    return _first_true(changed, after=now, near=estimate)


def _threshold_ahead(*, score: float, band: int, bands: Sequence[float]) -> float | None:
    """The threshold that decay will cross next from ``band``, if it ever does."""
    if score > 0:
        if band > len(bands):
            return None
        threshold = bands[band - 1]
        return threshold if threshold > 0 else None
    if band == 1:
        return None
    threshold = bands[band - 2]
    return threshold if threshold < 0 else None


def _first_true(predicate: Callable[[int], bool], *, after: int, near: float) -> int:
    """The least integer ``t > after`` with ``predicate(t)``, for a monotone predicate.

    ``predicate(after)`` is false and the answer lies close to ``near``.
    """
    high = max(after + 1, math.ceil(near) + 1)
    step = 1
    while not predicate(high):
        high += step
        step *= 2
    low = max(after, min(high - 1, math.floor(near) - 1))
    step = 1
    while low > after and predicate(low):
        low = max(after, low - step)
        step *= 2
    while high - low > 1:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle
    return high
