"""Incremental membership: re-evaluate only the affected contacts against only the segments
whose condition could have changed, record who entered or left and why."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cadence.conditions import (
    ContactState,
    Dependencies,
    EvalContext,
    dependencies,
    evaluate,
    explain,
    load_states,
    next_change_at,
)
from cadence.conditions.dependencies import union
from cadence.conditions.models import ORDER_EVENT
from cadence.conditions.references import walk_leaves
from cadence.db.engine import UnitOfWork
from cadence.db.tables import schedule
from cadence.db.types import from_millis, to_millis
from cadence.segments import store
from cadence.segments.store import LiveSegment


@dataclass
class Touch:
    """What changed for one contact, as far as conditions can tell."""

    created: bool = False
    traits: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    accounts: bool = False
    consent: bool = False
    columns: bool = False  # score, grade, stage, purchases ... changed
    cause: str = ""
    only: frozenset[int] | None = None  # re-check just these segment ids (time-based checks)
    ingested: frozenset[str] | None = None  # contacts columns the batch moved; None: unknown

    def describe(self) -> str:
        if self.cause:
            return self.cause
        parts = []
        if self.created:
            parts.append("new contact")
        if self.events:
            parts.append("events: " + ", ".join(sorted(self.events)))
        if self.traits:
            parts.append("traits: " + ", ".join(sorted(self.traits)))
        if self.accounts:
            parts.append("account changed")
        if self.consent:
            parts.append("consent changed")
        if self.columns and not parts:
            parts.append("profile changed")
        return "; ".join(parts) or "re-evaluated"


@dataclass
class MembershipReport:
    evaluated: int = 0
    entered: int = 0
    exited: int = 0


# Contacts columns that ingestion itself moves (the rest change only through the lead
# stage, which reports them as ``Touch.columns``): any event or profile change may move
# the seen times and the profile level; only orders move the purchase aggregates.
_SEEN_COLUMNS = frozenset({"first_seen_at", "last_seen_at", "profile_level"})
_ORDER_COLUMNS = frozenset({"order_count", "revenue_total", "first_order_at", "last_order_at"})
_TRAIT_COLUMNS = frozenset({"email"})
# What the lead stage writes (scoring, grading, lifecycle; owner assignment rides on it).
LEAD_COLUMNS = frozenset(
    {"score", "score_as_of", "band", "fit", "grade", "lifecycle_stage", "owner"}
)


def could_change(segment: LiveSegment, touch: Touch, moved: set[str]) -> bool:
    """Whether ``touch`` can change the answer of ``segment``'s condition."""
    if touch.only is not None:
        return segment.id in touch.only or bool(segment.deps.segments & moved)
    deps = segment.deps
    return bool(
        touch.created
        or touch.traits & deps.traits
        or touch.events & deps.events
        or (touch.accounts and deps.account_traits)
        or (touch.consent and deps.consent_channels)
        or (touch.columns and deps.columns)
        or deps.segments & moved
        or (deps.columns and _ingested_columns(touch) & deps.columns)
    )


def with_columns(touch: Touch, moved: frozenset[str]) -> None:
    """Record that ``moved`` contacts columns changed too (e.g. the lead stage's), so that
    only the segments reading them are re-evaluated (``columns=True`` re-evaluates every
    segment that reads any column)."""
    touch.ingested = _ingested_columns(touch) | moved


def _ingested_columns(touch: Touch) -> frozenset[str]:
    """The contacts columns ingestion may have moved for this touch."""
    if touch.ingested is not None:
        return touch.ingested
    found: frozenset[str] = frozenset()
    if touch.events or touch.traits or touch.accounts or touch.consent:
        found |= _SEEN_COLUMNS
    if ORDER_EVENT in touch.events:
        found |= _ORDER_COLUMNS
    if touch.traits:
        found |= _TRAIT_COLUMNS
    return found


def _leaf_deps(segment: LiveSegment) -> tuple[tuple[str, Dependencies], ...]:
    assert segment.node is not None
    if segment.leaf_deps:
        return segment.leaf_deps
    return tuple((path, dependencies(leaf)) for path, leaf in walk_leaves(segment.node))


def _reason(
    segment: LiveSegment, state: ContactState, ctx: EvalContext, touch: Touch, moved: set[str]
) -> dict[str, Any]:
    assert segment.node is not None
    probe = LeafRelevance(touch, moved)
    changed = [path for path, deps in _leaf_deps(segment) if probe.touches(deps)]
    return {
        "cause": touch.describe(),
        "changed": changed,
        "leaves": [
            {"path": e.path, "text": e.description, "observed": e.observed, "value": e.value}
            for e in explain(segment.node, state=state, ctx=ctx)
        ],
    }


@dataclass
class LeafRelevance:
    """Which leaves a touch concerns (time-based checks concern the time-dependent ones)."""

    touch: Touch
    moved: set[str]

    def touches(self, deps: Dependencies) -> bool:
        t = self.touch
        if t.only is not None:
            return deps.time_dependent or bool(deps.segments & self.moved)
        return bool(
            t.traits & deps.traits
            or t.events & deps.events
            or (t.accounts and deps.account_traits)
            or (t.consent and deps.consent_channels)
            or deps.segments & self.moved
            or (t.columns and deps.columns)
            or deps.columns & _ingested_columns(t)
            or t.created
        )


def update_memberships(
    uow: UnitOfWork,
    touches: Mapping[int, Touch],
    *,
    now: int,
    half_life_days: float | None = None,
    live: list[LiveSegment] | None = None,
) -> MembershipReport:
    """Re-evaluate the touched contacts; write entries, exits, history, outbox and re-checks."""
    report = MembershipReport()
    live = [s for s in (live if live is not None else store.load_segments(uow)) if s.dynamic]
    if not live or not touches:
        return report
    affected = _affected(live, touches)
    if not affected:
        return report
    live = [s for s in live if s.id in affected]
    contact_ids = [
        cid for cid, t in touches.items() if any(could_change(s, t, set()) for s in live)
    ]
    at = from_millis(now)
    ctx = EvalContext(now=at, half_life_days=half_life_days)
    states = load_states(
        conn=uow.conn, contact_ids=contact_ids, now=at, needs=union(s.deps for s in live)
    )
    current = store.memberships(uow, states)
    keys = {s.id: s.key for s in live}
    entered: list[tuple[int, int, int, dict[str, Any]]] = []
    exited: list[tuple[int, int, int, dict[str, Any]]] = []
    evaluated: list[tuple[int, int]] = []
    due: dict[tuple[int, int], int] = {}
    for contact_id, state in states.items():
        touch = touches[contact_id]
        moved: set[str] = set()
        names = {event.name for event in state.events}
        for segment in live:
            if not could_change(segment, touch, moved):
                continue
            assert segment.node is not None
            report.evaluated += 1
            was = (segment.id, contact_id) in current
            if not was and not segment.needs.met_by(state, event_names=names):
                if segment.deps.time_dependent:  # out, and time alone cannot bring it in
                    evaluated.append((segment.id, contact_id))
                continue
            inside = evaluate(segment.node, state=state, ctx=ctx)
            if inside != was:
                reason = _reason(segment, state, ctx, touch, moved)
                (entered if inside else exited).append((segment.id, contact_id, now, reason))
                moved.add(segment.key)
                keys_now = (
                    state.segment_keys | {segment.key}
                    if inside
                    else state.segment_keys - {segment.key}
                )
                state = dataclasses.replace(state, segment_keys=frozenset(keys_now))
            if segment.deps.time_dependent:
                evaluated.append((segment.id, contact_id))
                when = next_change_at(segment.node, state=state, ctx=ctx, clocked=segment.clocked)
                if when is not None:
                    due[(segment.id, contact_id)] = to_millis(when)
    store.write_changes(uow, entered=entered, exited=exited, keys=keys)
    store.set_rechecks(uow, evaluated=evaluated, due=due)
    report.entered, report.exited = len(entered), len(exited)
    return report


def _affected(live: list[LiveSegment], touches: Mapping[int, Touch]) -> set[int]:
    """Ids of the segments some touch can change, and of those that refer to them."""
    kinds = {
        (
            t.created,
            frozenset(t.traits),
            frozenset(t.events),
            t.accounts,
            t.consent,
            t.columns,
            t.only,
            t.ingested,
        )
        for t in touches.values()
    }
    distinct = [
        Touch(
            created=c,
            traits=set(tr),
            events=set(ev),
            accounts=a,
            consent=co,
            columns=col,
            only=o,
            ingested=ing,
        )
        for c, tr, ev, a, co, col, o, ing in kinds
    ]
    found: set[int] = set()
    moved: set[str] = set()
    for segment in live:  # referenced segments come first
        if segment.deps.segments & moved or any(could_change(segment, t, set()) for t in distinct):
            found.add(segment.id)
            moved.add(segment.key)
    return found


def run_due_rechecks(
    uow: UnitOfWork, *, now: int, limit: int = 5000, half_life_days: float | None = None
) -> MembershipReport:
    """Take the re-checks that are due (skipping rows other workers hold) and run them."""
    sc = schedule.c
    query = (
        select(sc.ref_id, sc.contact_id)
        .where(sc.kind == store.SCHEDULE_KIND, sc.due_at <= now)
        .order_by(sc.due_at)
        .limit(limit)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pairs = [(s, c) for s, c in uow.conn.execute(query)]
    if not pairs:
        return MembershipReport()
    store.clear_rechecks(uow, pairs)
    touches: dict[int, Touch] = {}
    for segment_id, contact_id in pairs:
        touch = touches.setdefault(contact_id, Touch(cause="time passed", only=frozenset()))
        touch.only = (touch.only or frozenset()) | {segment_id}
    return update_memberships(uow, touches, now=now, half_life_days=half_life_days)
