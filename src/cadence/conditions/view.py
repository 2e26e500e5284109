"""One contact at one moment, as compiled conditions read it (compiled.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from cadence.conditions.evaluate import Snapshot
from cadence.conditions.fields import FIELDS
from cadence.conditions.models import ContactState, EventRecord, FieldCond
from cadence.conditions.values import value_at

NO_EVENTS: tuple[EventRecord, ...] = ()


class View:
    """One contact at one moment; ``segment_keys`` may be updated between conditions."""

    __slots__ = ("events", "half_life_ms", "now_ms", "segment_keys", "state")

    def __init__(self, state: ContactState, *, now_ms: int, half_life_ms: float | None) -> None:
        self.state = state
        self.now_ms = now_ms
        self.half_life_ms = half_life_ms
        self.segment_keys: set[str] = set(state.segment_keys)
        self.events: dict[str, list[EventRecord]] = {}  # by name, in the state's order
        for event in state.events:
            self.events.setdefault(event.name, []).append(event)

    def named(self, name: str) -> Sequence[EventRecord]:
        return self.events.get(name, NO_EVENTS)

    def snapshot(self) -> Snapshot:
        """The reference evaluator's view (segment keys as updated here)."""
        state = self.state
        if state.segment_keys != self.segment_keys:
            state = replace(state, segment_keys=frozenset(self.segment_keys))
        return Snapshot(state, self.now_ms, self.half_life_ms)


Check = Callable[[View], bool]
Read = Callable[[View], Any]
Edge = Callable[[View], int | None]  # the earliest instant after now, if any


def reader(leaf: FieldCond) -> Read:
    ref = leaf.field
    if ref.scope == "field":
        read = FIELDS[ref.name].read
        return lambda view: read(view.state, view.now_ms, view.half_life_ms)
    path = ref.path
    if ref.scope == "traits":
        if len(path) == 1:
            key = path[0]
            return lambda view: view.state.traits.get(key)
        return lambda view: value_at(view.state.traits, path)
    return lambda view: value_at(view.state.account_traits, path)
