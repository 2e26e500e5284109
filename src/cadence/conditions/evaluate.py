"""The Python evaluator: a condition against one contact's state, at one moment.

Pure: no database, no clock (the moment comes in the EvalContext). It must
agree with the SQL compiler on every input; tests/conditions checks that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.conditions.fields import FIELDS
from cadence.conditions.models import (
    NEGATIONS,
    ORDER_EVENT,
    AllOf,
    AnyOf,
    BoughtCond,
    Condition,
    ConsentCond,
    ConsentRecord,
    ContactState,
    EvalContext,
    EventCond,
    EventRecord,
    FieldCond,
    Leaf,
    Not,
    Test,
)
from cadence.conditions.values import check, scalar_equals, value_at

PRODUCT_KEYS = ("product_id", "sku", "name")


def evaluate(node: Condition, *, state: ContactState, ctx: EvalContext) -> bool:
    """Whether the contact matches the condition at ctx.now."""
    return Snapshot(state, ctx.now_ms, ctx.half_life_ms).holds(node)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One contact at one moment (epoch ms)."""

    state: ContactState
    now_ms: int
    half_life_ms: float | None

    def holds(self, node: Condition) -> bool:
        if isinstance(node, AllOf):
            return all(self.holds(item) for item in node.items)
        if isinstance(node, AnyOf):
            return any(self.holds(item) for item in node.items)
        if isinstance(node, Not):
            return not self.holds(node.item)
        return self.leaf(node)

    def leaf(self, node: Leaf) -> bool:
        now_ms, state = self.now_ms, self.state
        if isinstance(node, FieldCond):
            value = field_value(node, state=state, now_ms=now_ms, half_life_ms=self.half_life_ms)
            return _negate_if(node.op in NEGATIONS, check(node.test, value, now_ms=now_ms))
        if isinstance(node, EventCond):
            count = sum(1 for event in state.events if event_matches(node, event, now_ms=now_ms))
            return node.min <= count and (node.max is None or count <= node.max)
        if isinstance(node, BoughtCond):
            return any(bought_matches(node, event, now_ms=now_ms) for event in state.events)
        if isinstance(node, ConsentCond):
            rows = [r for r in state.consents if r.channel == node.channel]
            if node.topic not in (None, "*"):
                # a topic's own row decides; the channel's "*" row only stands in without one
                rows = [r for r in rows if r.topic == node.topic] or [
                    r for r in rows if r.topic == "*"
                ]
            return any(consent_matches(node, item, now_ms=now_ms) for item in rows)
        return node.key in state.segment_keys


def _negate_if(negate: bool, value: bool) -> bool:
    return not value if negate else value


def field_value(
    node: FieldCond, *, state: ContactState, now_ms: int, half_life_ms: float | None
) -> Any:
    """The value a field test looks at (None when missing)."""
    ref = node.field
    if ref.scope == "traits":
        return value_at(state.traits, ref.path)
    if ref.scope == "account":
        return value_at(state.account_traits, ref.path)
    return FIELDS[ref.name].read(state, now_ms, half_life_ms)


def in_window(ts: int, window_ms: int | None, now_ms: int) -> bool:
    """Within the window means now - window < ts <= now; no window means ever."""
    return window_ms is None or now_ms - window_ms < ts <= now_ms


def filter_passes(test: Test, negated: bool, value: Any, now_ms: int) -> bool:
    return _negate_if(negated, check(test, value, now_ms=now_ms))


def event_matches(node: EventCond, event: EventRecord, *, now_ms: int) -> bool:
    if event.name != node.name or not in_window(event.ts, node.window_ms, now_ms):
        return False
    return all(
        filter_passes(
            item.test, item.op in NEGATIONS, value_at(event.properties, item.path), now_ms
        )
        for item in node.where
    )


def item_matches(node: BoughtCond, item: Any) -> bool:
    """A products[] entry matching the product (id, sku or name) and the category."""
    if not isinstance(item, dict):
        return False
    if node.product is not None and not any(
        scalar_equals(item.get(key), node.product) for key in PRODUCT_KEYS
    ):
        return False
    return node.category is None or scalar_equals(item.get("category"), node.category)


def bought_matches(node: BoughtCond, event: EventRecord, *, now_ms: int) -> bool:
    if event.name != ORDER_EVENT or not in_window(event.ts, node.window_ms, now_ms):
        return False
    products = event.properties.get("products")
    return isinstance(products, list) and any(item_matches(node, item) for item in products)


def consent_matches(node: ConsentCond, record: ConsentRecord, *, now_ms: int) -> bool:
    """The record is for the channel and topic (or all topics), in the asked state and,
    when asked, with the asked frequency choice."""
    if record.channel != node.channel:
        return False
    if node.frequency is not None and record.frequency != node.frequency:
        return False
    if node.topic is not None and record.topic not in (node.topic, "*"):
        return False
    if node.status in ("withdrawn", "pending"):
        return record.status == node.status
    expired = record.expires_at is not None and record.expires_at <= now_ms
    if node.status == "expired":
        return record.status == "expired" or (record.status == "granted" and expired)
    if record.status != "granted" or expired:
        return False
    paused = record.paused_until is not None and record.paused_until > now_ms
    return paused if node.status == "paused" else not paused
