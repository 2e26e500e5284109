"""Incremental membership: re-evaluate only the affected contacts against only the segments
whose condition could have changed, record who entered or left and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import schedule
from cadence.segments import store
from cadence.segments.evaluation import Plan, collector_paused, evaluate_batch
from cadence.segments.store import LiveSegment
from cadence.segments.touches import (
    LEAD_COLUMNS,
    LeafRelevance,
    Touch,
    could_change,
    touch_kind,
    with_columns,
)

__all__ = [
    "LEAD_COLUMNS",
    "LeafRelevance",
    "MembershipReport",
    "Touch",
    "could_change",
    "run_due_rechecks",
    "update_memberships",
    "with_columns",
]


@dataclass
class MembershipReport:
    evaluated: int = 0
    entered: int = 0
    exited: int = 0


def update_memberships(
    uow: UnitOfWork,
    touches: Mapping[int, Touch],
    *,
    now: int,
    half_life_days: float | None = None,
    live: list[LiveSegment] | None = None,
) -> MembershipReport:
    """Re-evaluate the touched contacts; write entries, exits, history, outbox and re-checks."""
    with collector_paused():
        return _update(uow, touches, now=now, half_life_days=half_life_days, live=live)


def _update(
    uow: UnitOfWork,
    touches: Mapping[int, Touch],
    *,
    now: int,
    half_life_days: float | None,
    live: list[LiveSegment] | None,
) -> MembershipReport:
    report = MembershipReport()
    live = [s for s in (live if live is not None else store.load_segments(uow)) if s.dynamic]
    if not live or not touches:
        return report
    kinds: dict[tuple[Any, ...], Touch] = {}
    kind_of = {cid: touch_kind(touch) for cid, touch in touches.items()}
    for contact_id, kind in kind_of.items():
        kinds.setdefault(kind, touches[contact_id])
    affected = _affected(live, kinds.values())
    if not affected:
        return report
    live = [s for s in live if s.id in affected]
    plans = {kind: Plan.of(touch, live) for kind, touch in kinds.items()}
    plan_of = {cid: plans[kind] for cid, kind in kind_of.items() if plans[kind].steps}
    batch = evaluate_batch(uow, plan_of, live, now=now, half_life_days=half_life_days)
    keys = {s.id: s.key for s in live}
    store.write_changes(uow, entered=batch.entered, exited=batch.exited, keys=keys)
    store.set_rechecks(uow, evaluated=batch.evaluated, due=batch.due)
    report.evaluated = batch.count
    report.entered, report.exited = len(batch.entered), len(batch.exited)
    return report


def _affected(live: list[LiveSegment], distinct: Iterable[Touch]) -> set[int]:
    """Ids of the segments some touch (one of each kind) can change, and of those that
    refer to them."""
    distinct = list(distinct)
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
