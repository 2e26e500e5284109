"""When each contact's membership must next be re-checked after a rebuild, set-based.

The moments time alone can change a contact's answer are edges that SQL can list:
a matching event still ahead enters its window at its timestamp and one inside leaves
it ``window`` later; a day count (``tenure_days`` <= 30) steps over its threshold a
whole number of days after its anchor column; a date column compared with a relative
date (``last_seen_at`` >= -14d) passes it at the column plus the offset. The earliest
edge after now per contact is one GROUP BY over a UNION ALL, among the candidates
next_change_at computes in Python (only events passing a leaf's ``where`` filters count
for it), so the re-checks may be early (the scheduler then finds nothing changed and
computes the next moment), never late. Contacts kept out by a part of the condition
that time cannot change get none (see schedule_time_checks). Other clocks (decaying
scores, relative dates on traits or event properties, consent expiry) fall back to
queueing every live contact through that gate for the scheduler, which computes each
one's moment in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, ColumnElement, delete, insert, literal, select

from cadence.conditions.compile import compile_condition, event_where
from cadence.conditions.dependencies import dependencies, is_relative
from cadence.conditions.fields import FIELDS, Kind, raw
from cadence.conditions.models import (
    DAY_MS,
    ORDER_EVENT,
    AllOf,
    BoughtCond,
    Condition,
    EvalContext,
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
from cadence.db.types import from_millis
from cadence.segments.store import SCHEDULE_KIND, LiveSegment

_DUE = sa.Table(
    "segment_rebuild_due",
    sa.MetaData(),
    sa.Column("contact_id", BigInteger),
    sa.Column("due_at", BigInteger),
)


@dataclass(frozen=True)
class Edges:
    """Where a condition's clocks are: (event name, window ms), windowed leaves with
    ``where`` filters (only their matching events count) and (column, offset ms)."""

    windows: frozenset[tuple[str, int]] = frozenset()
    columns: frozenset[tuple[str, int]] = frozenset()
    filtered: frozenset[EventCond] = frozenset()


def clock_edges(segment: LiveSegment) -> Edges | None:
    """The condition's edges, or None when some clock is not one SQL can list."""
    assert segment.node is not None
    windows: set[tuple[str, int]] = set()
    columns: set[tuple[str, int]] = set()
    filtered: set[EventCond] = set()
    for _, leaf in walk_leaves(segment.node):
        found = _leaf_edges(leaf)
        if found is None:
            return None
        windows |= found.windows
        columns |= found.columns
        filtered |= found.filtered
    # a leaf's matching events are among all events of its name and window
    kept = {leaf for leaf in filtered if (leaf.name, leaf.window_ms) not in windows}
    return Edges(frozenset(windows), frozenset(columns), frozenset(kept))


def _leaf_edges(leaf: Leaf) -> Edges | None:
    if isinstance(leaf, EventCond):
        if any(is_relative(item.operand) for item in leaf.where):
            return None
        if leaf.where and leaf.window_ms is not None:
            return Edges(filtered=frozenset({leaf}))
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


def schedule_time_checks(
    uow: UnitOfWork, segment: LiveSegment, *, now: int, half_life_days: float | None = None
) -> None:
    """Bring the segment's due re-checks to the earliest edge of each contact after a rebuild.

    Only contacts for whom every top-level conjunct time cannot change holds get one: while
    such a conjunct is false, time alone cannot move them (when it becomes true, the batch
    that made it so evaluates them and computes their next moment)."""
    assert segment.node is not None
    sc = schedule.c
    mine = (sc.kind == SCHEDULE_KIND, sc.ref_id == segment.id)
    if not segment.deps.time_dependent:
        uow.conn.execute(delete(schedule).where(*mine))
        return
    gate = _gate(segment.node, dialect=uow.dialect, now=now, half_life_days=half_life_days)
    live = contacts.c.merged_into.is_(None)
    found = clock_edges(segment)
    if found is None:
        source = select(contacts.c.id, literal(now)).where(live, *gate)
    elif not found.windows and not found.columns and not found.filtered:
        uow.conn.execute(delete(schedule).where(*mine))
        return
    else:
        ctx = EvalContext(now=from_millis(now), half_life_days=half_life_days)
        source = _earliest_edges(found, ctx=ctx, gate=gate, dialect=uow.dialect)
    if uow.conn.execute(select(literal(1)).where(*mine).limit(1)).first() is None:
        _insert_due(uow, segment, source)  # a first build: nothing to compare with
    else:
        _replace_due(uow, segment, source)


def _gate(
    node: Condition, *, dialect: str, now: int, half_life_days: float | None
) -> tuple[ColumnElement[bool], ...]:
    """The test over `contacts` that every conjunct time cannot change holds (none: empty)."""
    static = _static_conjuncts(node)
    if not static:
        return ()
    ctx = EvalContext(now=from_millis(now), half_life_days=half_life_days)
    return (compile_condition(AllOf(tuple(static)), dialect=dialect, ctx=ctx),)


def _static_conjuncts(node: Condition) -> list[Condition]:
    items = node.items if isinstance(node, AllOf) else (node,)
    found: list[Condition] = []
    for item in items:
        if isinstance(item, AllOf):
            found += _static_conjuncts(item)
        elif not dependencies(item).time_dependent:
            found.append(item)
    return found


def _insert_due(uow: UnitOfWork, segment: LiveSegment, source: sa.Select[Any]) -> None:
    rows = source.subquery()
    uow.conn.execute(
        insert(schedule).from_select(
            ["kind", "ref_id", "contact_id", "due_at"],
            select(literal(SCHEDULE_KIND), literal(segment.id), rows.c[0], rows.c[1]),
        )
    )


def _replace_due(uow: UnitOfWork, segment: LiveSegment, source: sa.Select[Any]) -> None:
    """Delete the re-checks whose time changed or that are no longer needed, add the new
    ones: a rebuild with few changes writes few rows."""
    conn, sc, due = uow.conn, schedule.c, _DUE.c
    prefix = "TEMPORARY" if uow.dialect == "postgresql" else "TEMP"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_DUE.name}")
    conn.exec_driver_sql(
        f"CREATE {prefix} TABLE {_DUE.name} (contact_id BIGINT PRIMARY KEY, due_at BIGINT)"
    )
    try:
        conn.execute(insert(_DUE).from_select(["contact_id", "due_at"], source))
        if uow.dialect == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {_DUE.name}")
        same = select(literal(1)).where(
            due.contact_id == sc.contact_id, due.due_at == sa.type_coerce(sc.due_at, BigInteger)
        )
        mine = (sc.kind == SCHEDULE_KIND, sc.ref_id == segment.id)
        conn.execute(delete(schedule).where(*mine, ~same.exists()))
        kept = select(literal(1)).where(*mine, sc.contact_id == due.contact_id)
        conn.execute(
            insert(schedule).from_select(
                ["kind", "ref_id", "contact_id", "due_at"],
                select(
                    literal(SCHEDULE_KIND), literal(segment.id), due.contact_id, due.due_at
                ).where(~kept.exists()),
            )
        )
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_DUE.name}")


def _earliest_edges(
    found: Edges, *, ctx: EvalContext, gate: tuple[ColumnElement[bool], ...], dialect: str
) -> sa.Select[tuple[int, int]]:
    """(contact, earliest edge after now) over the events and columns of the clocks, for
    the contacts through the gate."""
    now = ctx.now_ms
    parts: list[sa.Select[tuple[int, int]]] = []
    for window in sorted({w for _, w in found.windows}):
        names = sorted({n for n, w in found.windows if w == window})
        parts.append(_window_edges(window, now, events.c.name.in_(names)))
    for leaf in sorted(found.filtered, key=repr):
        assert leaf.window_ms is not None
        where = event_where(leaf, dialect=dialect, ctx=ctx)
        parts.append(_window_edges(leaf.window_ms, now, events.c.name == leaf.name, *where))
    if found.columns:
        parts.append(_column_edges(found.columns, now=now, dialect=dialect))
    if len(parts) == 1:
        earliest = parts[0].subquery()
    else:
        edges = sa.union_all(*parts).subquery()
        earliest = (
            select(edges.c.contact_id, sa.func.min(edges.c.edge).label("edge"))
            .group_by(edges.c.contact_id)
            .subquery()
        )
    picked = select(earliest.c.contact_id, earliest.c.edge)
    if not gate:  # leave out the few merged contacts rather than join a million live ones
        merged = select(contacts.c.id).where(contacts.c.merged_into.is_not(None))
        return picked.where(earliest.c.contact_id.not_in(merged))
    on = contacts.c.id == earliest.c.contact_id
    return picked.join(contacts, on).where(contacts.c.merged_into.is_(None), *gate)


def _window_edges(
    window: int, now: int, *filters: ColumnElement[bool]
) -> sa.Select[tuple[int, int]]:
    """Per contact, the earliest moment one of its events enters or leaves the window."""
    ts = millis(events.c.ts)
    edge = sa.case((ts > now, ts), else_=ts + window)
    return (
        select(events.c.contact_id.label("contact_id"), sa.func.min(edge).label("edge"))
        .where(*filters, ts > now - window)
        .group_by(events.c.contact_id)
    )


_NEVER = 2**62  # stands in for "no edge" inside the row-wise minimum


def _column_edges(
    columns: frozenset[tuple[str, int]], *, now: int, dialect: str
) -> sa.Select[tuple[int, int]]:
    """One pass over the contacts: each row's earliest column-plus-offset after now."""
    moments = []
    for column, offset in sorted(columns):
        moment = raw(column) + offset
        moments.append(sa.case((moment > now, moment), else_=_NEVER))
    least = sa.func.least if dialect == "postgresql" else sa.func.min
    edge = moments[0] if len(moments) == 1 else least(*moments)
    return select(contacts.c.id.label("contact_id"), edge.label("edge")).where(
        contacts.c.merged_into.is_(None), edge < _NEVER
    )
