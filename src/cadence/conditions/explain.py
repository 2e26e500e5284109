"""Readable descriptions of conditions, and which leaves hold for one contact.

The segments engine diffs explain() before and after a change to say why a
contact entered or left: the leaves whose value flipped are the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.conditions.evaluate import Snapshot, event_matches, field_value
from cadence.conditions.models import (
    DAY_MS,
    BoughtCond,
    Condition,
    ConsentCond,
    ContactState,
    EvalContext,
    EventCond,
    FieldCond,
    Instant,
    Leaf,
    Op,
    Operand,
    PropertyFilter,
    Regex,
)
from cadence.conditions.references import walk_leaves
from cadence.conditions.values import Moment
from cadence.db.types import from_millis

_PHRASES = {
    Op.EQ: "is",
    Op.NE: "is not",
    Op.IN: "is one of",
    Op.NOT_IN: "is not one of",
    Op.CONTAINS: "contains",
    Op.MATCHES: "matches",
    Op.GT: "is after",
    Op.GTE: "is at or after",
    Op.LT: "is before",
    Op.LTE: "is at or before",
    Op.EXISTS: "is set",
    Op.NOT_EXISTS: "is not set",
}
_NUMBER_PHRASES = {
    Op.GT: "is above",
    Op.GTE: "is at least",
    Op.LT: "is below",
    Op.LTE: "is at most",
}


@dataclass(frozen=True, slots=True)
class LeafExplanation:
    """One leaf: where it is, what it asks, what was seen, and whether it holds."""

    path: str
    description: str
    observed: str
    value: bool


def explain(
    node: Condition, *, state: ContactState, ctx: EvalContext
) -> tuple[LeafExplanation, ...]:
    """Every leaf of `node`, in document order, evaluated for the contact at ctx.now."""
    snapshot = Snapshot(state, ctx.now_ms, ctx.half_life_ms)
    return tuple(
        LeafExplanation(path, describe(leaf), _observed(leaf, snapshot), snapshot.leaf(leaf))
        for path, leaf in walk_leaves(node)
    )


def _show(value: Any) -> str:
    if isinstance(value, Regex):
        return f"/{value.source}/"
    if isinstance(value, Instant):
        return _show_instant(value)
    if isinstance(value, Moment):
        return from_millis(value.millis).isoformat()
    if isinstance(value, tuple):
        return ", ".join(_show(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show_instant(instant: Instant) -> str:
    if not instant.relative:
        return from_millis(instant.millis).isoformat()
    size = abs(instant.millis)
    if size == 0:
        return "now"
    unit, length = ("day", DAY_MS) if size % DAY_MS == 0 else ("hour", 3_600_000)
    count = size // length
    amount = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{amount} ago" if instant.millis < 0 else f"in {amount}"


def _test_text(subject: str, op: Op, operand: Operand) -> str:
    phrase = _PHRASES[op]
    if op in _NUMBER_PHRASES and not isinstance(operand, Instant):
        phrase = _NUMBER_PHRASES[op]
    return f"{subject} {phrase}" if operand is None else f"{subject} {phrase} {_show(operand)}"


def _times(node: EventCond) -> str:
    if node.max is None:
        return "at least once" if node.min == 1 else f"at least {node.min} times"
    if node.min == node.max:
        return f"exactly {node.min} times"
    return f"at most {node.max} times" if node.min == 0 else f"{node.min} to {node.max} times"


def _window(window_ms: int | None) -> str:
    if window_ms is None:
        return ""
    days = window_ms / DAY_MS
    return f" in the last {_show(days)} day{'' if days == 1 else 's'}"


def _filters(where: tuple[PropertyFilter, ...]) -> str:
    if not where:
        return ""
    parts = [_test_text(".".join(item.path), item.op, item.operand) for item in where]
    return f" ({', '.join(parts)})"


def describe(leaf: Leaf) -> str:
    """A leaf as a marketer would say it."""
    if isinstance(leaf, FieldCond):
        return _test_text(leaf.field.name, leaf.op, leaf.operand)
    if isinstance(leaf, EventCond):
        subject = f"{leaf.name}{_filters(leaf.where)}"
        if leaf.max == 0:
            return f"did not do {subject}{_window(leaf.window_ms) or ' ever'}"
        return f"did {subject} {_times(leaf)}{_window(leaf.window_ms)}"
    if isinstance(leaf, BoughtCond):
        what = [f"product {_show(leaf.product)}"] if leaf.product is not None else []
        what += [f"category {_show(leaf.category)}"] if leaf.category is not None else []
        return f"bought {' in '.join(what)}{_window(leaf.window_ms)}"
    if isinstance(leaf, ConsentCond):
        topic = "any topic" if leaf.topic is None else f"topic {leaf.topic}"
        every = "" if leaf.frequency is None else f", {leaf.frequency}"
        return f"consent for {leaf.channel} ({topic}{every}) is {leaf.status}"
    return f"is in segment {leaf.key}"


def _observed(leaf: Leaf, snapshot: Snapshot) -> str:
    if isinstance(leaf, FieldCond):
        value = field_value(
            leaf, state=snapshot.state, now_ms=snapshot.now_ms, half_life_ms=snapshot.half_life_ms
        )
        return "not set" if value is None else _show(value)
    if isinstance(leaf, EventCond):
        events = snapshot.state.events
        count = sum(1 for event in events if event_matches(leaf, event, now_ms=snapshot.now_ms))
        return f"{count} matching event{'' if count == 1 else 's'}"
    return ""
