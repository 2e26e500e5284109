"""A condition compiled once into closures, for evaluating it against many contacts.

The same answers as evaluate(), explain() and next_change_at() (a Hypothesis test shows
it), without re-walking the tree per contact: incremental membership evaluates every new
contact against every live segment. A View holds one contact at one moment and indexes
its events by name once for all the conditions asked about it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cadence.conditions.dependencies import dependencies
from cadence.conditions.edges import edge_of
from cadence.conditions.evaluate import bought_matches, filter_passes
from cadence.conditions.explain import _show, describe
from cadence.conditions.models import (
    NEGATIONS,
    ORDER_EVENT,
    AllOf,
    AnyOf,
    BoughtCond,
    Condition,
    EventCond,
    EventRecord,
    FieldCond,
    Leaf,
    Not,
    Op,
    Regex,
    SegmentCond,
    Test,
)
from cadence.conditions.references import walk_leaves
from cadence.conditions.requirements import Requirements, requirements
from cadence.conditions.timing import clocked_leaves
from cadence.conditions.values import as_number, check, value_at
from cadence.conditions.view import NO_EVENTS, Check, Edge, View, reader


@dataclass(frozen=True, slots=True)
class CompiledLeaf:
    path: str
    description: str
    check: Check
    observed: Callable[[View], str]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A condition's answer, explanation, next change and requirements as closures."""

    holds: Check
    leaves: tuple[CompiledLeaf, ...]
    edges: tuple[Edge, ...]  # one per leaf time alone can change
    needs: Requirements
    # False when the contact cannot match at any moment (requirements.py); None: always true
    possible: Check | None
    # whether every top-level conjunct time cannot change holds (None: there is none); while
    # one is false, time alone cannot bring the contact in: no re-check (as after a rebuild)
    timeless: Check | None

    def explain(self, view: View) -> list[dict[str, Any]]:
        """explain() as the history stores it: path, text, observed, value per leaf."""
        return [
            {
                "path": f.path,
                "text": f.description,
                "observed": f.observed(view),
                "value": f.check(view),
            }
            for f in self.leaves
        ]

    def next_change(self, view: View) -> int | None:
        """next_change_at() in epoch ms."""
        best = None
        for edge in self.edges:
            moment = edge(view)
            if moment is not None and (best is None or moment < best):
                best = moment
        return best


@lru_cache(maxsize=1024)
def compile_python(node: Condition) -> Compiled:
    """Compile (cached by the condition, which is immutable) for many evaluations."""
    leaves = tuple(
        CompiledLeaf(path, describe(leaf), _leaf(leaf), _observed(leaf))
        for path, leaf in walk_leaves(node)
    )
    edges = tuple(edge_of(leaf) for leaf in clocked_leaves(node))
    needs = requirements(node)
    static = static_conjuncts(node)
    timeless = _node(AllOf(tuple(static))) if static else None
    return Compiled(_node(node), leaves, edges, needs, _possible(needs), timeless)


def static_conjuncts(node: Condition) -> list[Condition]:
    """The top-level conjuncts (through nested ``all``) whose answer time cannot change."""
    items = node.items if isinstance(node, AllOf) else (node,)
    found: list[Condition] = []
    for item in items:
        if isinstance(item, AllOf):
            found += static_conjuncts(item)
        elif not dependencies(item).time_dependent:
            found.append(item)
    return found


def _possible(needs: Requirements) -> Check | None:
    """needs.met_by as a closure; None when nothing is required."""
    events, traits = tuple(sorted(needs.events)), tuple(sorted(needs.traits))
    accounts = tuple(sorted(needs.account_traits))
    if not (events or traits or accounts):
        return None

    def possible(view: View) -> bool:
        if events:
            names = view.events
            for name in events:
                if name not in names:
                    return False
        state = view.state
        for key in traits:
            if state.traits.get(key) is None:
                return False
        if accounts:
            found = state.account_traits
            if found is None:
                return False
            for key in accounts:
                if found.get(key) is None:
                    return False
        return True

    return possible


def _node(node: Condition) -> Check:
    if isinstance(node, AllOf | AnyOf):
        parts = tuple(_node(item) for item in node.items)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            if isinstance(node, AllOf):
                return lambda view: first(view) and second(view)
            return lambda view: first(view) or second(view)
        if isinstance(node, AllOf):
            return lambda view: all(part(view) for part in parts)
        return lambda view: any(part(view) for part in parts)
    if isinstance(node, Not):
        inner = _node(node.item)
        return lambda view: not inner(view)
    return _leaf(node)


def _leaf(leaf: Leaf) -> Check:
    if isinstance(leaf, FieldCond):
        read, passes = reader(leaf), _passes(leaf.test)
        if leaf.op in NEGATIONS:
            return lambda view: not passes(read(view), view.now_ms)
        return lambda view: passes(read(view), view.now_ms)
    if isinstance(leaf, EventCond):
        return _event_check(leaf)
    if isinstance(leaf, BoughtCond):
        bought = leaf
        return lambda view: any(
            bought_matches(bought, event, now_ms=view.now_ms)
            for event in view.events.get(ORDER_EVENT, NO_EVENTS)
        )
    if isinstance(leaf, SegmentCond):
        key = leaf.key
        return lambda view: key in view.segment_keys
    other = leaf  # consent: rare, the reference evaluator
    return lambda view: view.snapshot().leaf(other)


def _passes(test: Test) -> Callable[[Any, int], bool]:
    """check(test, value) for one test; the common shapes without check()'s dispatch."""
    op, operand = test.op, test.operand
    if op is Op.EXISTS:
        return lambda value, _now: value is not None
    if op is Op.MATCHES and isinstance(operand, Regex):
        search = re.compile(operand.python).search  # as regex_search, compiled once
        return lambda value, _now: isinstance(value, str) and search(value) is not None
    if op is Op.EQ and isinstance(operand, str):
        return lambda value, _now: isinstance(value, str) and value == operand
    if (
        op is Op.IN
        and isinstance(operand, tuple)
        and all(isinstance(item, str) for item in operand)
    ):
        texts = frozenset(operand)
        return lambda value, _now: isinstance(value, str) and value in texts
    if op in (Op.GT, Op.GTE, Op.LT, Op.LTE) and isinstance(operand, float):
        return _number_passes(op, operand)
    return lambda value, now: check(test, value, now_ms=now)


def _number_passes(op: Op, threshold: float) -> Callable[[Any, int], bool]:
    compare: Callable[[float], bool] = {
        Op.GT: threshold.__lt__,
        Op.GTE: threshold.__le__,
        Op.LT: threshold.__gt__,
        Op.LTE: threshold.__ge__,
    }[op]

    def passes(value: Any, _now: int) -> bool:
        if value is None:
            return False
        if value.__class__ is float:  # computed number fields
            return compare(value)
        number = as_number(value)
        return number is not None and compare(number)

    return passes


def _event_matcher(leaf: EventCond) -> Callable[[EventRecord, int], bool]:
    window = leaf.window_ms
    filters = tuple((item.path, item.test, item.op in NEGATIONS) for item in leaf.where)

    def matches(event: EventRecord, now: int) -> bool:
        if window is not None and not now - window < event.ts <= now:
            return False
        return all(
            filter_passes(test, negated, value_at(event.properties, path), now)
            for path, test, negated in filters
        )

    return matches


def _event_check(leaf: EventCond) -> Check:
    name, low, high, matches = leaf.name, leaf.min, leaf.max, _event_matcher(leaf)

    def holds(view: View) -> bool:
        now, count = view.now_ms, 0
        for event in view.events.get(name, NO_EVENTS):
            if matches(event, now):
                count += 1
                if high is None:
                    if count >= low:
                        return True
                elif count > high:
                    return False
        return low <= count

    return holds


def _observed(leaf: Leaf) -> Callable[[View], str]:
    if isinstance(leaf, FieldCond):
        read = reader(leaf)

        def shown(view: View) -> str:
            value = read(view)
            return "not set" if value is None else _show(value)

        return shown
    if isinstance(leaf, EventCond):
        name, matches = leaf.name, _event_matcher(leaf)

        def counted(view: View) -> str:
            now = view.now_ms
            count = sum(1 for event in view.events.get(name, NO_EVENTS) if matches(event, now))
            return f"{count} matching event{'' if count == 1 else 's'}"

        return counted
    return lambda _view: ""
