"""Rescore every contact at once with numpy (after a rule change, a backfill or a repair).

Input is one row per (event, matching rule) pair: the contact's index (0..n-1), the
event's timestamp (epoch ms) and the rule's index in ``config.rules``. The database (or
``match_pairs`` for small sets) does the matching; this module applies the daily caps
(sort by contact, rule, UTC day and time; keep the first ``max_per_day`` of each group)
and sums the decayed points per contact with one ``bincount``.

The result is the same stored form as incremental scoring (``decay.ScoreState``): per
contact the exact score at ``as_of = max(now, latest matching timestamp)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cadence.scoring.config import DAY_MS, ScoringConfig
from cadence.scoring.rules import Event, matches

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

NEVER = np.iinfo(np.int64).max  # "no band change": sorts after every real instant
_MS_BITS = 27  # a time of day in ms (< 86_400_000) fits in 27 bits
_MS_MASK = (1 << _MS_BITS) - 1


@dataclass(frozen=True, slots=True, eq=False)
class Rebuilt:
    """Per contact: the exact score at ``as_of``, and ``as_of`` (epoch ms)."""

    score: FloatArray
    as_of: IntArray


def match_pairs(*, config: ScoringConfig, events: Sequence[Event]) -> tuple[IntArray, IntArray]:
    """``(event index, rule index)`` of every event and every rule it matches."""
    pairs = [
        (index, rule_index)
        for index, event in enumerate(events)
        for rule_index, rule in enumerate(config.rules)
        if matches(rule=rule, event=event)
    ]
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()


def pairs_from_masks(*, masks: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """``(event index, rule index)`` from a boolean ``(n_events, n_rules)`` match matrix."""
    events, rules = np.nonzero(np.asarray(masks, dtype=np.bool_))
    return events.astype(np.int64), rules.astype(np.int64)


def rebuild_scores(
    *,
    config: ScoringConfig,
    n_contacts: int,
    contact: npt.ArrayLike,
    ts: npt.ArrayLike,
    rule: npt.ArrayLike,
    now: int,
) -> Rebuilt:
    """Every contact's stored score from its (event, rule) pairs, caps applied.

    ``as_of`` is ``max(now, the contact's latest matching timestamp)``.
    """
    contacts, times, rules = _checked(config, n_contacts, contact, ts, rule)
    as_of = np.full(n_contacts, now, dtype=np.int64)
    future = times > now
    lookup = None  # with no future-dated pair every as_of is ``now``: no per-pair lookup
    if future.any():
        np.maximum.at(as_of, contacts[future], times[future])
        lookup = as_of
    totals = _Totals(np.zeros(n_contacts), lookup, now, config.half_life_ms)
    uncapped = np.array([0.0 if r.max_per_day else r.points for r in config.rules])
    if uncapped.any():
        totals.add(contacts, times, uncapped[rules])
    for index, item in enumerate(config.rules):
        if item.max_per_day is None:
            continue
        selected = np.flatnonzero(rules == index)
        if not selected.size:
            continue
        mine = (
            (contacts, times)
            if selected.size == rules.size
            else (contacts[selected], times[selected])
        )
        for kept_contacts, kept_times in _first_per_day(*mine, item.max_per_day, n_contacts):
            totals.add(kept_contacts, kept_times, item.points)
    return Rebuilt(score=totals.score, as_of=as_of)


def bands_of(*, scores: npt.ArrayLike, bands: Sequence[float]) -> IntArray:
    """``decay.band_of`` for an array of scores."""
    ascending = np.asarray(bands, dtype=np.float64)[::-1]
    below = len(bands) - np.searchsorted(ascending, np.asarray(scores), side="right")
    return (below + 1).astype(np.int64)


def next_band_changes(
    *, rebuilt: Rebuilt, bands: Sequence[float], half_life_ms: float | None, now: int
) -> IntArray:
    """``decay.next_band_change`` for every contact (``NEVER`` where there is none).

    Counted from ``max(now, as_of)``. Made exact for numpy's arithmetic (``np.exp2``),
    which may differ from Python's by an ulp, so a contact right at a threshold can be
    one millisecond off ``next_band_change``: the scheduler re-checks when it wakes.
    """
    result = np.full(rebuilt.score.shape, NEVER, dtype=np.int64)
    if half_life_ms is None:
        return result
    score, as_of = rebuilt.score, rebuilt.as_of
    start = np.maximum(as_of, now)

    def band_at(t: IntArray, rows: IntArray) -> IntArray:
        values = score[rows] * np.exp2(-(t - as_of[rows]) / half_life_ms)
        return bands_of(scores=values, bands=bands)

    every = np.arange(score.size)
    current = band_at(start, every)
    threshold = _thresholds_ahead(score=score, band=current, bands=bands)
    rows = np.flatnonzero(~np.isnan(threshold))
    with np.errstate(divide="ignore"):
        estimate = as_of[rows] + half_life_ms * np.log2(score[rows] / threshold[rows])
    # first integer after the crossing (positive: value < threshold; negative: value >= it)
    rounded = np.where(score[rows] > 0, np.floor(estimate) + 1, np.ceil(estimate))
    when = np.maximum(np.minimum(rounded, float(NEVER // 2)).astype(np.int64), start[rows] + 1)
    while rows.size:
        early = (when - 1 > start[rows]) & (band_at(when - 1, rows) != current[rows])
        late = band_at(when, rows) == current[rows]
        if not (early.any() or late.any()):
            break
        when = when - early + late
    result[rows] = when
    return result


def _thresholds_ahead(*, score: FloatArray, band: IntArray, bands: Sequence[float]) -> FloatArray:
    """``decay._threshold_ahead`` per contact; NaN where decay never changes the band."""
    padded = np.array([np.nan, *bands, np.nan], dtype=np.float64)
    falling = padded[band]  # the current band's own threshold (NaN below the last one)
    rising = padded[band - 1]  # the better band's threshold (NaN for band 1)
    return np.where(
        (score > 0) & (falling > 0), falling, np.where((score < 0) & (rising < 0), rising, np.nan)
    )


def _checked(
    config: ScoringConfig,
    n_contacts: int,
    contact: npt.ArrayLike,
    ts: npt.ArrayLike,
    rule: npt.ArrayLike,
) -> tuple[IntArray, IntArray, IntArray]:
    contacts, times, rules = (np.asarray(a, dtype=np.int64).ravel() for a in (contact, ts, rule))
    if not contacts.size == times.size == rules.size:
        raise ValueError("contact, ts and rule must have one entry per (event, rule) pair")
    if contacts.size and (contacts.min() < 0 or contacts.max() >= n_contacts):
        raise ValueError(f"contact indexes must lie in [0, {n_contacts})")
    if rules.size and (rules.min() < 0 or rules.max() >= len(config.rules)):
        raise ValueError(f"rule indexes must lie in [0, {len(config.rules)})")
    return contacts, times, rules


@dataclass(slots=True)
class _Totals:
    """Decayed points summed per contact, as of each contact's ``as_of``."""

    score: FloatArray
    as_of: IntArray | None  # None: ``now`` for every contact
    now: int
    half_life: float | None

    def add(self, contacts: IntArray, times: IntArray, points: float | FloatArray) -> None:
        if self.half_life is None:
            weights = np.broadcast_to(np.asarray(points, dtype=np.float64), contacts.shape)
        else:
            reference = self.now if self.as_of is None else self.as_of[contacts]
            weights = np.subtract(times, reference, dtype=np.float64)  # exact below 2**53
            weights /= self.half_life
            np.exp2(weights, out=weights)  # exponents <= 0: nothing overflows
            weights *= points
        self.score += np.bincount(contacts, weights=weights, minlength=self.score.size)


def _first_per_day(
    contacts: IntArray, times: IntArray, cap: int, n_contacts: int
) -> list[tuple[IntArray, IntArray]]:
    """The pairs of one rule that count: the ``cap`` earliest per contact and UTC day.

    Each pair becomes one int64 key (contact, day, time of day) and only the keys are
    sorted. Contacts are taken in ranges small enough for the key to fit in 63 bits
    (a single range unless the history spans decades and millions of contacts).
    """
    low, first_day, day_bits = _day_and_time(times)
    shift = _MS_BITS + day_bits
    span = 1 << (63 - shift)
    # reused buffers: in-place arithmetic, since fresh pages cost more than the math here
    keys, spare = np.empty_like(low), np.empty_like(low)
    kept: list[tuple[IntArray, IntArray]] = []
    for start in range(0, n_contacts, span):
        if span >= n_contacts:
            chunk = np.left_shift(contacts, shift, out=keys)
            chunk |= low
        else:
            selected = np.flatnonzero((contacts >= start) & (contacts < start + span))
            chunk = np.subtract(contacts[selected], start, out=keys[: selected.size])
            chunk <<= shift
            chunk |= low[selected]
        chosen = _within_cap(chunk, cap, spare)
        kept_contacts = np.right_shift(chosen, shift)
        kept_contacts += start
        kept_times = np.bitwise_and(chosen, (1 << shift) - 1)
        kept_times >>= _MS_BITS
        kept_times += first_day
        kept_times *= DAY_MS
        chosen &= _MS_MASK
        kept_times += chosen
        kept.append((kept_contacts, kept_times))
    return kept


def _day_and_time(times: IntArray) -> tuple[IntArray, int, int]:
    """``(day - first_day) << 27 | time of day`` per pair, ``first_day`` and the day bits."""
    days = times // DAY_MS
    first_day = int(days.min())
    day_bits = max(1, (int(days.max()) - first_day).bit_length())
    if _MS_BITS + day_bits > 62:
        raise ValueError("event timestamps span too many days to rank within a day")
    low = times % DAY_MS  # the floor keeps it in [0, DAY_MS) before 1970 too
    days -= first_day
    days <<= _MS_BITS
    low |= days
    return low, first_day, day_bits


def _within_cap(keys: IntArray, cap: int, spare: IntArray) -> IntArray:
    """Sort ``keys`` in place; the keys ranked below ``cap`` in their (contact, day) group.

    A key is within the cap iff the key ``cap`` places before it in sorted order belongs
    to another group, so no rank needs computing. The result is a view into ``spare``.
    """
    keys.sort()
    group = np.right_shift(keys, _MS_BITS, out=spare[: keys.size])
    keep = np.ones(keys.size, dtype=np.bool_)
    np.not_equal(group[cap:], group[:-cap], out=keep[cap:])
    return np.compress(keep, keys, out=spare[: int(np.count_nonzero(keep))])
