"""What a condition reads, so the pipeline re-evaluates only what a change can affect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cadence.conditions.fields import FIELDS
from cadence.conditions.models import (
    ORDER_EVENT,
    BoughtCond,
    Condition,
    ConsentCond,
    EventCond,
    FieldCond,
    Instant,
    Leaf,
    Op,
    Operand,
    SegmentCond,
)
from cadence.conditions.references import walk_leaves


@dataclass(frozen=True, slots=True)
class Dependencies:
    """Top-level trait names, account trait names, event names (with the longest
    window each is used with; None = ever), registered fields and the contacts
    columns behind them, consent channels, segment keys, and whether the answer
    can change by time passing alone."""

    traits: frozenset[str] = frozenset()
    account_traits: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    event_windows: Mapping[str, int | None] = field(default_factory=dict)
    fields: frozenset[str] = frozenset()
    columns: frozenset[str] = frozenset()
    consent_channels: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    time_dependent: bool = False

    def __or__(self, other: Dependencies) -> Dependencies:
        windows = dict(self.event_windows)
        for name, window in other.event_windows.items():
            windows[name] = _longer(windows[name], window) if name in windows else window
        return Dependencies(
            traits=self.traits | other.traits,
            account_traits=self.account_traits | other.account_traits,
            events=self.events | other.events,
            event_windows=windows,
            fields=self.fields | other.fields,
            columns=self.columns | other.columns,
            consent_channels=self.consent_channels | other.consent_channels,
            segments=self.segments | other.segments,
            time_dependent=self.time_dependent or other.time_dependent,
        )


def _longer(left: int | None, right: int | None) -> int | None:
    return None if left is None or right is None else max(left, right)


def is_relative(operand: Operand) -> bool:
    return isinstance(operand, Instant) and operand.relative


def _leaf(leaf: Leaf) -> Dependencies:
    if isinstance(leaf, FieldCond):
        ref, relative = leaf.field, is_relative(leaf.operand)
        if ref.scope == "traits":
            return Dependencies(traits=frozenset(ref.path[:1]), time_dependent=relative)
        if ref.scope == "account":
            return Dependencies(account_traits=frozenset(ref.path[:1]), time_dependent=relative)
        spec = FIELDS[ref.name]
        moving = spec.clock is not None and leaf.test.op is not Op.EXISTS
        return Dependencies(
            fields=frozenset({ref.name}),
            columns=frozenset(spec.columns),
            time_dependent=relative or moving,
        )
    if isinstance(leaf, EventCond):
        relative = any(is_relative(item.operand) for item in leaf.where)
        return _events(leaf.name, leaf.window_ms, relative)
    if isinstance(leaf, BoughtCond):
        return _events(ORDER_EVENT, leaf.window_ms, False)
    if isinstance(leaf, ConsentCond):  # expiry and pauses end by themselves
        return Dependencies(consent_channels=frozenset({leaf.channel}), time_dependent=True)
    assert isinstance(leaf, SegmentCond)
    return Dependencies(segments=frozenset({leaf.key}))


def _events(name: str, window_ms: int | None, relative: bool) -> Dependencies:
    return Dependencies(
        events=frozenset({name}),
        event_windows={name: window_ms},
        time_dependent=window_ms is not None or relative,
    )


def dependencies(node: Condition) -> Dependencies:
    """Everything `node` reads; see Dependencies."""
    return union(_leaf(leaf) for _, leaf in walk_leaves(node))


def union(items: Iterable[Dependencies]) -> Dependencies:
    result = Dependencies()
    for item in items:
        result = result | item
    return result
