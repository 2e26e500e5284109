"""Which events earn which points: rule matching and daily caps, full and incremental.

An event matches a rule when its name equals the rule's ``event`` and every ``where``
property is equal; an event may match several rules and earns each. A rule with
``max_per_day: N`` counts, per contact and UTC day, only the ``N`` earliest matching
events (timestamp order), whatever order they arrived in.

Incremental scoring stays exact with late, out-of-order events: ``score_delta`` takes a
contact's newly arrived events plus its earlier events in the few (rule, UTC day)
buckets that ``capped_buckets`` names, and returns the contributions to add and those
to take back (a late event that is earlier in its day than the counted ones displaces
the last counted one). ``apply_delta`` applies them to the stored ``ScoreState`` in
O(size of the delta). Events of uncapped rules never need earlier events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cadence.scoring.config import DAY_MS, ScoringConfig, ScoringRule
from cadence.scoring.decay import ScoreState, add_points, combine


@dataclass(frozen=True, slots=True)
class Event:
    """What scoring needs of an event: its name, its own time (epoch ms), its properties."""

    name: str
    ts: int
    properties: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Contribution:
    """``points`` earned at ``ts`` through rule ``rule_key``."""

    rule_key: str
    points: float
    ts: int


@dataclass(frozen=True, slots=True)
class ScoreDelta:
    """Contributions to add to, and to take back from, a contact's stored score."""

    added: tuple[Contribution, ...] = ()
    removed: tuple[Contribution, ...] = ()


@dataclass(frozen=True, slots=True)
class Bucket:
    """One capped rule on one UTC day: events named ``event`` in ``[start_ms, end_ms)``."""

    rule_key: str
    event: str
    day: int

    @property
    def start_ms(self) -> int:
        return self.day * DAY_MS

    @property
    def end_ms(self) -> int:
        return (self.day + 1) * DAY_MS


def utc_day(*, ts: int) -> int:
    """The UTC day number of an epoch-ms instant (day 0 is 1970-01-01)."""
    return ts // DAY_MS


def matches(*, rule: ScoringRule, event: Event) -> bool:
    """Whether the event's name equals the rule's and every ``where`` property is equal."""
    if event.name != rule.event:
        return False
    properties = event.properties
    return all(
        name in properties and _json_equal(properties[name], expected)
        for name, expected in rule.where.items()
    )


def _json_equal(left: object, right: object) -> bool:
    """Equality of JSON values, where ``true`` is not ``1`` (as Python's ``==`` would say)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def split_by_cap(*, timestamps: Iterable[int], cap: int | None) -> tuple[list[int], list[int]]:
    """Sorted ``(counted, capped)``: the ``cap`` earliest per UTC day count, the rest do not."""
    ordered = sorted(timestamps)
    if cap is None:
        return ordered, []
    counted: list[int] = []
    capped: list[int] = []
    day, rank = None, 0
    for ts in ordered:
        if utc_day(ts=ts) != day:
            day, rank = utc_day(ts=ts), 0
        (counted if rank < cap else capped).append(ts)
        rank += 1
    return counted, capped


def contributions(*, config: ScoringConfig, events: Iterable[Event]) -> list[Contribution]:
    """Every counted contribution of one contact's complete event history."""
    events = list(events)
    result: list[Contribution] = []
    for rule in config.rules:
        matched = (event.ts for event in events if matches(rule=rule, event=event))
        counted, _ = split_by_cap(timestamps=matched, cap=rule.max_per_day)
        result.extend(Contribution(rule.key, rule.points, ts) for ts in counted)
    return result


def capped_buckets(*, config: ScoringConfig, arrived: Iterable[Event]) -> frozenset[Bucket]:
    """The (capped rule, UTC day) buckets whose earlier events ``score_delta`` needs."""
    rules, named = config.rules, config.rules_named
    found: set[Bucket] = set()
    for event in arrived:
        for index in named.get(event.name, ()):
            rule = rules[index]
            if rule.max_per_day is not None and (
                not rule.where or _where_holds(rule.where, event.properties)
            ):
                found.add(Bucket(rule_key=rule.key, event=rule.event, day=utc_day(ts=event.ts)))
    return frozenset(found)


def _where_holds(where: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
    return all(
        name in properties and _json_equal(properties[name], expected)
        for name, expected in where.items()
    )


_NO_DELTA = ScoreDelta()


def _matched(*, config: ScoringConfig, arrived: Iterable[Event]) -> dict[int, list[int]]:
    """Each matching rule's position with the times of its arrived events, in arrival order.

    One pass over the arrived events, looking up the few rules naming each (the ingest path
    calls this once per contact per batch); read in the rules' order, this is the order
    ``matches`` over every rule would give."""
    rules, named = config.rules, config.rules_named
    matched: dict[int, list[int]] = {}
    for event in arrived:
        for index in named.get(event.name, ()):
            where = rules[index].where
            if not where or _where_holds(where, event.properties):
                matched.setdefault(index, []).append(event.ts)
    return matched


def uncapped_points(*, config: ScoringConfig, arrived: Iterable[Event]) -> list[tuple[float, int]]:
    """``(points, ts)`` of every contribution of ``arrived``, in ``score_delta``'s order, for
    arrivals that match no capped rule (``capped_buckets`` is empty): each match counts,
    nothing is taken back, and no earlier event matters."""
    rules, matched = config.rules, _matched(config=config, arrived=arrived)
    return [(rules[index].points, ts) for index in sorted(matched) for ts in matched[index]]


def score_delta(
    *, config: ScoringConfig, arrived: Sequence[Event], earlier: Iterable[Event] = ()
) -> ScoreDelta:
    """What one contact's newly ``arrived`` events change in its counted contributions.

    ``earlier`` holds the contact's previously scored events, at least all of those in
    each bucket of ``capped_buckets(config=config, arrived=arrived)`` (events outside
    those buckets are ignored, so a superset is fine). It must not include ``arrived``.
    """
    rules = config.rules
    matched = _matched(config=config, arrived=arrived)
    if not matched:
        return _NO_DELTA
    added: list[Contribution] = []
    removed: list[Contribution] = []
    before: list[Event] | None = None
    for index in sorted(matched):
        rule, new = rules[index], matched[index]
        if rule.max_per_day is None:
            added.extend(Contribution(rule.key, rule.points, ts) for ts in new)
            continue
        if before is None:
            before = list(earlier)
        days = {utc_day(ts=ts) for ts in new}
        old = [
            event.ts
            for event in before
            if utc_day(ts=event.ts) in days and matches(rule=rule, event=event)
        ]
        cap = rule.max_per_day
        plus, minus = _difference(
            rule=rule,
            was=split_by_cap(timestamps=old, cap=cap)[0],
            now=split_by_cap(timestamps=old + new, cap=cap)[0],
        )
        added.extend(plus)
        removed.extend(minus)
    return ScoreDelta(added=tuple(added), removed=tuple(removed))


def merge_correction(
    *, config: ScoringConfig, first: Sequence[Event], second: Sequence[Event]
) -> ScoreDelta:
    """The cap correction to apply to ``combine`` of two merged contacts' states.

    Both contacts' events in the same (capped rule, UTC day) now share one cap; only
    those buckets change, so only events on days both contacts have matter.
    """
    added: list[Contribution] = []
    removed: list[Contribution] = []
    for rule in config.rules:
        if rule.max_per_day is None:
            continue
        mine = [event.ts for event in first if matches(rule=rule, event=event)]
        theirs = [event.ts for event in second if matches(rule=rule, event=event)]
        shared = {utc_day(ts=ts) for ts in mine} & {utc_day(ts=ts) for ts in theirs}
        mine = [ts for ts in mine if utc_day(ts=ts) in shared]
        theirs = [ts for ts in theirs if utc_day(ts=ts) in shared]
        cap = rule.max_per_day
        plus, minus = _difference(
            rule=rule,
            was=split_by_cap(timestamps=mine, cap=cap)[0]
            + split_by_cap(timestamps=theirs, cap=cap)[0],
            now=split_by_cap(timestamps=mine + theirs, cap=cap)[0],
        )
        added.extend(plus)
        removed.extend(minus)
    return ScoreDelta(added=tuple(added), removed=tuple(removed))


def merge_states(
    *, first: ScoreState, second: ScoreState, correction: ScoreDelta, half_life_ms: float | None
) -> ScoreState:
    """The stored state of two merged contacts: both states plus ``merge_correction``."""
    both = combine(first=first, second=second, half_life_ms=half_life_ms)
    return apply_delta(state=both, delta=correction, half_life_ms=half_life_ms)


def apply_delta(*, state: ScoreState, delta: ScoreDelta, half_life_ms: float | None) -> ScoreState:
    """The stored state after adding and taking back the delta's contributions."""
    for item in delta.added:
        state = add_points(state=state, points=item.points, ts=item.ts, half_life_ms=half_life_ms)
    for item in delta.removed:
        state = add_points(state=state, points=-item.points, ts=item.ts, half_life_ms=half_life_ms)
    return state


def _difference(
    *, rule: ScoringRule, was: Iterable[int], now: Iterable[int]
) -> tuple[list[Contribution], list[Contribution]]:
    """Contributions counted ``now`` and not before, and the reverse.

    Timestamps compare as multisets: two events of one rule at the same instant earn
    the same points, so it does not matter which of them is counted.
    """
    before, after = Counter(was), Counter(now)
    plus = [Contribution(rule.key, rule.points, ts) for ts in sorted((after - before).elements())]
    minus = [Contribution(rule.key, rule.points, ts) for ts in sorted((before - after).elements())]
    return plus, minus
