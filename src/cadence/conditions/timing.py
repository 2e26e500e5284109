"""When time alone can next change a condition's answer for one contact.

next_change_at returns the earliest instant after ctx.now at which some
time-dependent leaf may flip: an event entering or leaving its window, a
relative date passing a value, a day count stepping over a threshold, a
decaying score crossing one, a consent expiring or a pause ending. It may
be early (a re-check then finds nothing changed), never late.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime

from cadence.conditions.dependencies import dependencies
from cadence.conditions.evaluate import Snapshot, field_value
from cadence.conditions.fields import FIELDS
from cadence.conditions.models import (
    DAY_MS,
    ORDER_EVENT,
    BoughtCond,
    Condition,
    ConsentCond,
    ContactState,
    EvalContext,
    EventCond,
    FieldCond,
    Instant,
    Leaf,
    Operand,
    Test,
)
from cadence.conditions.references import walk_leaves
from cadence.conditions.values import as_instant, value_at
from cadence.db.sqlite_functions import MAX_EXPONENT
from cadence.db.types import from_millis


def next_change_at(
    node: Condition,
    *,
    state: ContactState,
    ctx: EvalContext,
    clocked: Sequence[Leaf] | None = None,
) -> datetime | None:
    """The earliest future instant at which the answer could change, or None.

    ``clocked``: clocked_leaves(node), when the caller keeps it (walking the tree for
    every contact is most of the cost)."""
    now_ms = ctx.now_ms
    snapshot = Snapshot(state, now_ms, ctx.half_life_ms)
    leaves = clocked_leaves(node) if clocked is None else clocked
    found = [moment for leaf in leaves for moment in _candidates(leaf, snapshot) if moment > now_ms]
    return from_millis(min(found)) if found else None


def clocked_leaves(node: Condition) -> tuple[Leaf, ...]:
    """The leaves whose answer time alone can change; the others have no candidates."""
    return tuple(leaf for _, leaf in walk_leaves(node) if dependencies(leaf).time_dependent)


def _candidates(leaf: Leaf, snapshot: Snapshot) -> Iterator[int]:
    if isinstance(leaf, FieldCond):
        yield from _field_candidates(leaf, snapshot)
    elif isinstance(leaf, EventCond):
        for event in snapshot.state.events:
            if event.name == leaf.name:
                yield from _window_edges(event.ts, leaf.window_ms)
                for item in leaf.where:
                    yield from _relative_edges(item.test, value_at(event.properties, item.path))
    elif isinstance(leaf, BoughtCond):
        for event in snapshot.state.events:
            if event.name == ORDER_EVENT:
                yield from _window_edges(event.ts, leaf.window_ms)
    elif isinstance(leaf, ConsentCond):
        for record in snapshot.state.consents:
            if record.channel == leaf.channel:
                yield from (t for t in (record.expires_at, record.paused_until) if t is not None)


def _window_edges(ts: int, window_ms: int | None) -> Iterator[int]:
    if window_ms is not None:
        yield ts  # a future event enters the window
        yield ts + window_ms  # and every event leaves it


def _relative_edges(test: Test, value: object) -> Iterator[int]:
    operand = test.operand
    if isinstance(operand, Instant) and operand.relative:
        anchor = as_instant(value)
        if anchor is not None:
            yield anchor - operand.millis
            yield anchor - operand.millis + 1


def _constants(operand: Operand) -> tuple[float, ...]:
    if isinstance(operand, tuple):
        return tuple(item for item in operand if isinstance(item, float))
    return (operand,) if isinstance(operand, float) else ()


def _field_candidates(leaf: FieldCond, snapshot: Snapshot) -> Iterator[int]:
    state, now_ms = snapshot.state, snapshot.now_ms
    if leaf.field.scope != "field":
        value = field_value(leaf, state=state, now_ms=now_ms, half_life_ms=snapshot.half_life_ms)
        yield from _relative_edges(leaf.test, value)
        return
    spec = FIELDS[leaf.field.name]
    value = spec.read(state, now_ms, snapshot.half_life_ms)
    yield from _relative_edges(leaf.test, value)
    if spec.clock is None or value is None:
        return
    if spec.clock.anchor is not None:
        anchor = int(state.columns[spec.clock.anchor])
        for constant in _constants(leaf.operand):
            yield anchor + math.ceil(constant) * DAY_MS
            yield anchor + (math.floor(constant) + 1) * DAY_MS
        return
    for constant in _constants(leaf.operand):
        crossing = _decay_crossing(leaf, snapshot, constant)
        if crossing is not None:
            yield crossing


def _decay_crossing(leaf: FieldCond, snapshot: Snapshot, constant: float) -> int | None:
    """The first ms after now at which the decayed score's side of `constant` changes."""
    state, half_life = snapshot.state, snapshot.half_life_ms
    as_of = state.columns.get("score_as_of")
    if half_life is None or as_of is None:
        return None
    spec = FIELDS[leaf.field.name]

    def side(moment: int) -> int:
        score = float(spec.read(state, moment, half_life))
        return (score > constant) - (score < constant)

    low = snapshot.now_ms
    high = max(low, int(as_of) + math.ceil(MAX_EXPONENT * half_life)) + 1  # flat past the clamp
    start = side(low)
    if side(high) == start:
        return None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if side(middle) == start else (low, middle)
    return high
