"""Evaluating a batch of touched contacts against the live segments: a plan per kind of
touch, compiled conditions, and the entries, exits and re-checks found."""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cadence.conditions import Dependencies, EvalContext, dependencies, load_states
from cadence.conditions.compiled import Compiled, compile_python
from cadence.conditions.dependencies import union
from cadence.conditions.references import walk_leaves
from cadence.conditions.view import Check, View
from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis
from cadence.segments import store
from cadence.segments.store import LiveSegment
from cadence.segments.touches import LeafRelevance, Touch, could_change


def leaf_deps(segment: LiveSegment) -> tuple[tuple[str, Dependencies], ...]:
    assert segment.node is not None
    if segment.leaf_deps:
        return segment.leaf_deps
    return tuple((path, dependencies(leaf)) for path, leaf in walk_leaves(segment.node))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Evaluating a batch allocates ~100k small containers (states, events, views, reasons)
    and none of them form reference cycles: the cyclic collector's passes over them took a
    fifth of the stage, and reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate_batch(
    uow: UnitOfWork,
    plan_of: Mapping[int, Plan],
    live: list[LiveSegment],
    *,
    now: int,
    half_life_days: float | None,
) -> Batch:
    """Load the contacts' states and memberships, and evaluate each against its plan."""
    ctx = EvalContext(now=from_millis(now), half_life_days=half_life_days)
    # segment keys come with the memberships below, not with the states
    needs = dataclasses.replace(union(s.deps for s in live), segments=frozenset())
    states = load_states(
        conn=uow.conn, contact_ids=list(plan_of), now=ctx.now, needs=needs, narrow=True
    )
    current = store.memberships(uow, states)
    member_of: dict[int, set[str]] = defaultdict(set)
    for (_, contact_id), key in current.items():
        member_of[contact_id].add(key)
    batch = Batch(now=now, current=current)
    for contact_id, state in states.items():
        view = View(state, now_ms=ctx.now_ms, half_life_ms=ctx.half_life_ms)
        view.segment_keys = member_of.get(contact_id) or set()
        batch.evaluate(contact_id, view, plan_of[contact_id])
    return batch


_NOTHING: frozenset[str] = frozenset()


class Step(NamedTuple):
    """One live segment in a plan, with what the loop reads of it at hand."""

    always: bool  # the touch itself can change it (else only a referenced segment moving)
    refs: frozenset[str]
    segment_id: int
    key: str
    clocked: bool
    holds: Check
    possible: Check | None
    timeless: Check | None  # false: time alone cannot bring the contact in
    next_change: Callable[[View], int | None]


@dataclass
class Batch:
    """Entries, exits and re-checks found while evaluating a batch's contacts."""

    now: int
    current: Mapping[tuple[int, int], str]
    count: int = 0
    entered: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)
    exited: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)
    evaluated: list[tuple[int, int]] = field(default_factory=list)
    due: dict[tuple[int, int], int] = field(default_factory=dict)

    def evaluate(self, contact_id: int, view: View, plan: Plan) -> None:
        """One contact against its plan's segments, referenced segments first."""
        moved: set[str] = set()
        current, evaluated = self.current, self.evaluated
        steps = plan.steps
        if not view.segment_keys:  # in no segment: skip those its events rule out at once
            steps, cleared, skipped = plan.for_outsider(frozenset(view.events))
            self.count += skipped
            evaluated.extend((segment_id, contact_id) for segment_id in cleared)
        for step in steps:
            always, refs, segment_id, key, clocked, holds, possible, timeless, next_change = step
            if not always and not (moved and refs & moved):
                continue
            self.count += 1
            pair = (segment_id, contact_id)
            was = pair in current
            if not was and possible is not None and not possible(view):
                if clocked:  # out, and time alone cannot bring it in
                    evaluated.append(pair)
                continue
            inside = holds(view)
            if inside != was:
                segment, compiled = plan.segments[segment_id]
                reason = plan.reason(segment, compiled, view, moved)
                (self.entered if inside else self.exited).append(
                    (segment_id, contact_id, self.now, reason)
                )
                moved.add(key)
                if inside:
                    view.segment_keys.add(key)
                else:
                    view.segment_keys.discard(key)
            if clocked:
                evaluated.append(pair)
                if timeless is None or timeless(view):
                    when = next_change(view)
                    if when is not None:
                        self.due[pair] = when


@dataclass
class Plan:
    """For one kind of touch: each live segment, compiled, and whether the touch itself can
    change it (otherwise only a referenced segment moving can); the reasons' shared parts."""

    touch: Touch
    steps: list[Step]
    cause: str
    # leaf paths the touch concerns (a tuple: shared by every reason, written as a list)
    changed: dict[tuple[int, frozenset[str]], tuple[str, ...]] = field(default_factory=dict)
    segments: dict[int, tuple[LiveSegment, Compiled]] = field(default_factory=dict)
    outsiders: dict[frozenset[str], tuple[list[Step], tuple[int, ...], int]] = field(
        default_factory=dict
    )

    @classmethod
    def of(cls, touch: Touch, live: list[LiveSegment]) -> Plan:
        chosen = [s for s in live if s.deps.segments or could_change(s, touch, set())]
        steps = [_step(s, always=could_change(s, touch, set())) for s in chosen]
        if not any(step.always for step in steps):
            return cls(touch, [], touch.describe())  # nothing this touch does moves a segment
        segments = {s.id: (s, _compiled(s)) for s in chosen}
        return cls(touch, steps, touch.describe(), {}, segments)

    def for_outsider(self, names: frozenset[str]) -> tuple[list[Step], tuple[int, ...], int]:
        """For a contact in no segment with events of these names: the steps to run, the
        clocked segments skipped (their re-checks are cleared all the same) and how many
        were skipped, because an event the segment requires is missing (requirements.py)."""
        found = self.outsiders.get(names)
        if found is None:
            kept, cleared, skipped = [], [], 0
            for step in self.steps:
                if step.always and not self.segments[step.segment_id][1].needs.events <= names:
                    skipped += 1
                    if step.clocked:
                        cleared.append(step.segment_id)
                else:
                    kept.append(step)
            found = self.outsiders[names] = (kept, tuple(cleared), skipped)
        return found

    def reason(
        self, segment: LiveSegment, compiled: Compiled, view: View, moved: set[str]
    ) -> dict[str, Any]:
        """Why the contact entered or left: the cause, the leaves it concerns, every leaf."""
        refs = segment.deps.segments
        key = (segment.id, frozenset(moved & refs) if refs else _NOTHING)
        changed = self.changed.get(key)
        if changed is None:
            probe = LeafRelevance(self.touch, set(key[1]))
            changed = tuple(path for path, deps in leaf_deps(segment) if probe.touches(deps))
            self.changed[key] = changed
        return {"cause": self.cause, "changed": changed, "leaves": compiled.explain(view)}


def _compiled(segment: LiveSegment) -> Compiled:
    assert segment.node is not None
    return segment.compiled or compile_python(segment.node)


def _step(segment: LiveSegment, *, always: bool) -> Step:
    compiled, deps = _compiled(segment), segment.deps
    return Step(
        always,
        deps.segments,
        segment.id,
        segment.key,
        deps.time_dependent,
        compiled.holds,
        compiled.possible,
        compiled.timeless,
        compiled.next_change,
    )
