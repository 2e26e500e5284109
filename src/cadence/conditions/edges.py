"""When time alone can next change one clocked leaf, for compiled conditions: the
earliest candidate instant after now that timing.next_change_at would list."""

from __future__ import annotations

import math
from collections.abc import Iterable

from cadence.conditions.fields import FIELDS
from cadence.conditions.models import (
    DAY_MS,
    ORDER_EVENT,
    BoughtCond,
    EventCond,
    FieldCond,
    Instant,
    Leaf,
    Test,
)
from cadence.conditions.timing import _candidates, _constants, _relative_edges
from cadence.conditions.values import as_instant, value_at
from cadence.conditions.view import NO_EVENTS, Edge, Read, View, reader


def _earliest(moments: Iterable[int], now: int) -> int | None:
    return min((moment for moment in moments if moment > now), default=None)


def edge_of(leaf: Leaf) -> Edge:
    """The earliest candidate instant after now of one clocked leaf (timing._candidates)."""
    if isinstance(leaf, EventCond | BoughtCond):
        name = leaf.name if isinstance(leaf, EventCond) else ORDER_EVENT
        where = leaf.where if isinstance(leaf, EventCond) else ()
        relative = tuple(
            (item.path, item.test)
            for item in where
            if isinstance(item.operand, Instant) and item.operand.relative
        )
        return _event_edges(name, leaf.window_ms, relative)
    if isinstance(leaf, FieldCond) and isinstance(leaf.operand, Instant):
        # only a relative date moves (no day count or decay crosses a date)
        return _date_edges(reader(leaf), leaf.operand)
    if isinstance(leaf, FieldCond) and leaf.field.scope == "field":
        clock = FIELDS[leaf.field.name].clock
        if clock is not None and clock.anchor is not None and not isinstance(leaf.operand, Instant):
            return _day_count_edges(clock.anchor, _constants(leaf.operand))
    other = leaf
    return lambda view: _earliest(_candidates(other, view.snapshot()), view.now_ms)


def _event_edges(
    name: str, window: int | None, relative: tuple[tuple[tuple[str, ...], Test], ...]
) -> Edge:
    """Each event enters its window at its timestamp and leaves it ``window`` later;
    relative dates in its properties pass the filters' thresholds."""

    def edge(view: View) -> int | None:
        now, best = view.now_ms, None
        for event in view.events.get(name, NO_EVENTS):
            if window is not None:
                ts = event.ts
                moment = ts if ts > now else ts + window
                if moment > now and (best is None or moment < best):
                    best = moment
            for path, test in relative:
                passing = _earliest(_relative_edges(test, value_at(event.properties, path)), now)
                if passing is not None and (best is None or passing < best):
                    best = passing
        return best

    return edge


def _date_edges(read: Read, threshold: Instant) -> Edge:
    """A date value passing a relative threshold (``-14d``): from one ms to the next."""
    if not threshold.relative:
        return lambda _view: None
    offset = threshold.millis

    def edge(view: View) -> int | None:
        anchor = as_instant(read(view))
        if anchor is None:
            return None
        moment, now = anchor - offset, view.now_ms
        return moment if moment > now else (moment + 1 if moment + 1 > now else None)

    return edge


def _day_count_edges(column: str, constants: tuple[float, ...]) -> Edge:
    """A whole-day count from ``column`` stepping over each constant."""
    offsets = sorted(
        offset
        for constant in constants
        for offset in (math.ceil(constant) * DAY_MS, (math.floor(constant) + 1) * DAY_MS)
    )

    def edge(view: View) -> int | None:
        anchor = view.state.columns.get(column)
        if anchor is None:
            return None
        start, now = int(anchor), view.now_ms
        for offset in offsets:
            if start + offset > now:
                return start + offset
        return None

    return edge
