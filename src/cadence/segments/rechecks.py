"""When each contact's membership must next be re-checked after a rebuild, set-based.

The moments time alone can change a contact's answer are edges that SQL can list:
a matching event still ahead enters its window at its timestamp and one inside leaves
it ``window`` later; a day count (``tenure_days`` <= 30) steps over its threshold a
whole number of days after its anchor column; a date column compared with a relative
date (``last_seen_at`` >= -14d) passes it at the column plus the offset. The earliest
edge after now per contact is one GROUP BY over a UNION ALL, the same candidates
next_change_at computes in Python, so the re-checks may be early (``where`` filters
are ignored; the scheduler then finds nothing changed and computes the next moment),
never late. Other clocks (decaying scores, relative dates on traits or event
properties, consent expiry) fall back to queueing every live contact for the
scheduler, which computes each one's moment in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import delete, insert, literal, select

from cadence.conditions.dependencies import dependencies, is_relative
from cadence.conditions.fields import FIELDS, Kind, raw
from cadence.conditions.models import (
    DAY_MS,
    ORDER_EVENT,
    BoughtCond,
    EventCond,
    FieldCond,
    Instant,
    Leaf,
    Operand,
)
from cadence.conditions.references import walk_leaves
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, schedule
from cadence.segments.store import SCHEDULE_KIND, LiveSegment


@dataclass(frozen=True)
class Edges:
    """Where a condition's clocks are: (event name, window ms) and (column, offset ms)."""

    windows: frozenset[tuple[str, int]] = frozenset()
    columns: frozenset[tuple[str, int]] = frozenset()


def clock_edges(segment: LiveSegment) -> Edges | None:
    """The condition's edges, or None when some clock is not one SQL can list."""
    assert segment.node is not None
    windows: set[tuple[str, int]] = set()
    columns: set[tuple[str, int]] = set()
    for _, leaf in walk_leaves(segment.node):
        found = _leaf_edges(leaf)
        if found is None:
            return None
        windows |= found.windows
        columns |= found.columns
    return Edges(frozenset(windows), frozenset(columns))


def _leaf_edges(leaf: Leaf) -> Edges | None:
    if isinstance(leaf, EventCond):
        if any(is_relative(item.operand) for item in leaf.where):
            return None
        return _window(leaf.name, leaf.window_ms)
    if isinstance(leaf, BoughtCond):
        return _window(ORDER_EVENT, leaf.window_ms)
    if not dependencies(leaf).time_dependent:
        return Edges()
    if isinstance(leaf, FieldCond) and leaf.field.scope == "field":
        return _field_edges(leaf)
    return None


def _window(name: str, window_ms: int | None) -> Edges:
    return Edges() if window_ms is None else Edges(windows=frozenset({(name, window_ms)}))


def _field_edges(leaf: FieldCond) -> Edges | None:
    spec = FIELDS[leaf.field.name]
    operand = leaf.operand
    if spec.clock is None:  # a date column against a relative date
        if spec.kind is not Kind.DATE or not isinstance(operand, Instant) or not operand.relative:
            return None
        (column,) = spec.columns
        return Edges(columns=frozenset({(column, -operand.millis), (column, 1 - operand.millis)}))
    anchor = spec.clock.anchor
    if anchor is None or is_relative(operand):
        return None  # the decaying score: its crossing is found by search, in Python
    offsets = set()
    for constant in _constants(operand):
        offsets |= {math.ceil(constant) * DAY_MS, (math.floor(constant) + 1) * DAY_MS}
    return Edges(columns=frozenset((anchor, offset) for offset in offsets))


def _constants(operand: Operand) -> tuple[float, ...]:
    if isinstance(operand, tuple):
        return tuple(item for item in operand if isinstance(item, float))
    return (operand,) if isinstance(operand, float) else ()


def schedule_time_checks(uow: UnitOfWork, segment: LiveSegment, *, now: int) -> None:
    """Replace the segment's due re-checks after a rebuild."""
    sc = schedule.c
    uow.conn.execute(delete(schedule).where(sc.kind == SCHEDULE_KIND, sc.ref_id == segment.id))
    if not segment.deps.time_dependent:
        return
    found = clock_edges(segment)
    if found is None:
        source = select(contacts.c.id, literal(now)).where(contacts.c.merged_into.is_(None))
    elif not found.windows and not found.columns:
        return
    else:
        source = _earliest_edges(found, now=now)
    rows = source.subquery()
    uow.conn.execute(
        insert(schedule).from_select(
            ["kind", "ref_id", "contact_id", "due_at"],
            select(literal(SCHEDULE_KIND), literal(segment.id), rows.c[0], rows.c[1]),
        )
    )


def _earliest_edges(found: Edges, *, now: int) -> sa.Select[tuple[int, int]]:
    """(contact, earliest edge after now) over the events and columns of the clocks."""
    ts = millis(events.c.ts)
    parts: list[sa.Select[tuple[int, int]]] = []
    for window in sorted({w for _, w in found.windows}):
        names = sorted({n for n, w in found.windows if w == window})
        edge = sa.case((ts > now, ts), else_=ts + window)
        parts.append(
            select(events.c.contact_id.label("contact_id"), edge.label("edge")).where(
                events.c.name.in_(names), ts > now - window
            )
        )
    for column, offset in sorted(found.columns):
        moment = raw(column) + offset
        parts.append(
            select(contacts.c.id.label("contact_id"), moment.label("edge")).where(
                contacts.c.merged_into.is_(None), raw(column).is_not(None), moment > now
            )
        )
    edges = sa.union_all(*parts).subquery()
    live = select(contacts.c.id).where(contacts.c.merged_into.is_(None))
    return (
        select(edges.c.contact_id, sa.func.min(edges.c.edge))
        .where(edges.c.contact_id.in_(live))
        .group_by(edges.c.contact_id)
    )
