"""Set-based rebuild of a segment after its definition changed: a few statements in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, delete, insert, literal, select

from cadence.conditions import EvalContext, compile_condition
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, outbox, schedule, segment_history, segment_members
from cadence.db.types import from_millis
from cadence.segments.store import SCHEDULE_KIND, LiveSegment


@dataclass
class RebuildReport:
    key: str
    entered: int = 0
    exited: int = 0
    members: int = 0


def matching(
    segment: LiveSegment, *, dialect: str, now: datetime, half_life_days: float | None
) -> sa.Select[tuple[int]]:
    """SELECT of the live contacts the segment's condition holds for at ``now``."""
    assert segment.node is not None
    ctx = EvalContext(now=now, half_life_days=half_life_days)
    condition: ColumnElement[bool] = compile_condition(segment.node, dialect=dialect, ctx=ctx)
    return select(contacts.c.id).where(contacts.c.merged_into.is_(None), condition)


def rebuild(
    uow: UnitOfWork, segment: LiveSegment, *, now: int, half_life_days: float | None = None
) -> RebuildReport:
    """Bring a dynamic segment's members to exactly the contacts its condition holds for."""
    report = RebuildReport(segment.key)
    if not segment.dynamic:
        return report
    conn = uow.conn
    m = segment_members.c
    wanted = matching(
        segment, dialect=uow.dialect, now=from_millis(now), half_life_days=half_life_days
    )
    members = select(m.contact_id).where(m.segment_id == segment.id)
    reason = orjson.dumps(
        {"cause": "definition changed (rebuild)", "changed": ["*"], "leaves": []}
    ).decode()
    payload = orjson.dumps({"segment": segment.key, "segment_id": segment.id}).decode()
    newcomers = wanted.where(contacts.c.id.not_in(members)).subquery()
    leavers = members.where(m.contact_id.not_in(wanted)).subquery()
    for action, source in (("entered", newcomers), ("exited", leavers)):
        ids = select(source.c[0])
        report_count = conn.execute(select(sa.func.count()).select_from(source)).scalar_one()
        conn.execute(
            insert(segment_history).from_select(
                ["segment_id", "contact_id", "action", "at", "reason"],
                select(
                    literal(segment.id),
                    source.c[0],
                    literal(action),
                    literal(now),
                    _json_literal(reason, uow.dialect),
                ),
            )
        )
        conn.execute(
            insert(outbox).from_select(
                ["topic", "contact_id", "payload", "created_at"],
                select(
                    literal(f"segment.{action}"),
                    source.c[0],
                    _json_literal(payload, uow.dialect),
                    literal(now),
                ),
            )
        )
        if action == "entered":
            report.entered = report_count
            conn.execute(
                insert(segment_members).from_select(
                    ["segment_id", "contact_id", "entered_at"],
                    select(literal(segment.id), source.c[0], literal(now)),
                )
            )
        else:
            report.exited = report_count
            conn.execute(
                delete(segment_members).where(m.segment_id == segment.id, m.contact_id.in_(ids))
            )
    report.members = conn.execute(
        select(sa.func.count()).select_from(members.subquery())
    ).scalar_one()
    if segment.deps.time_dependent:
        _schedule_time_checks(uow, segment, now=now)
    return report


def _json_literal(payload: str, dialect: str) -> ColumnElement[object]:
    if dialect == "postgresql":
        return sa.cast(literal(payload), sa.dialects.postgresql.JSONB)
    return literal(payload)


def _schedule_time_checks(uow: UnitOfWork, segment: LiveSegment, *, now: int) -> None:
    """Queue an exact re-check for everyone whose answer time alone could still change.

    That is the members, and contacts with a windowed event still inside its window; when
    the condition's time dependence is not about events (tenure, relative dates, decay),
    every live contact. The scheduler then computes each one's precise next moment.
    """
    sc = schedule.c
    uow.conn.execute(delete(schedule).where(sc.kind == SCHEDULE_KIND, sc.ref_id == segment.id))
    windows = [w for w in segment.deps.event_windows.values() if w is not None]
    if segment.deps.events and windows and not _field_time(segment):
        oldest = now - max(windows)
        m = segment_members.c
        candidates = (
            select(events.c.contact_id)
            .where(
                events.c.name.in_(sorted(segment.deps.events)),
                sa.type_coerce(events.c.ts, sa.BigInteger) >= oldest,
            )
            .union(select(m.contact_id).where(m.segment_id == segment.id))
        ).subquery()
        source = select(candidates.c[0])
    else:
        source = select(contacts.c.id).where(contacts.c.merged_into.is_(None))
    rows = source.subquery()
    uow.conn.execute(
        insert(schedule).from_select(
            ["kind", "ref_id", "contact_id", "due_at"],
            select(literal(SCHEDULE_KIND), literal(segment.id), rows.c[0], literal(now)),
        )
    )


def _field_time(segment: LiveSegment) -> bool:
    deps = segment.deps
    return bool(
        deps.columns & {"first_seen_at", "first_order_at", "last_order_at", "score", "score_as_of"}
    ) or bool(deps.traits)
