"""Set-based rebuild of a segment after its definition changed: a few statements in the database.

The condition's query runs once, into a temporary table of the wanted contacts; the
differences with the current members (a second small temporary table) then feed the
members, history and outbox rows with one INSERT ... SELECT each. Re-check times for
conditions whose only clock is event windows are computed in SQL too (see rechecks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, delete, insert, literal, select

from cadence.conditions import EvalContext, compile_condition
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, outbox, segment_history, segment_members
from cadence.db.types import from_millis
from cadence.segments.rechecks import schedule_time_checks
from cadence.segments.store import LiveSegment

_SCRATCH = sa.MetaData()
_WANTED = sa.Table("segment_rebuild_wanted", _SCRATCH, sa.Column("contact_id", sa.BigInteger))
_MOVES = sa.Table(
    "segment_rebuild_moves",
    _SCRATCH,
    sa.Column("contact_id", sa.BigInteger),
    sa.Column("action", sa.String(16)),
)


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
    _roomy_sorts(uow)
    _create_scratch(uow)
    try:
        wanted = matching(
            segment, dialect=uow.dialect, now=from_millis(now), half_life_days=half_life_days
        )
        conn.execute(insert(_WANTED).from_select(["contact_id"], wanted))
        _analyze(uow, _WANTED)
        _find_moves(uow, segment)
        _apply_moves(uow, segment, now=now, report=report)
        # the members are now exactly the wanted contacts: count the small table
        report.members = conn.execute(select(sa.func.count()).select_from(_WANTED)).scalar_one()
    finally:
        _drop_scratch(uow)
    schedule_time_checks(uow, segment, now=now, half_life_days=half_life_days)
    return report


_WORK_MEM = 64 * 2**20


def _roomy_sorts(uow: UnitOfWork) -> None:
    """PostgreSQL: let this transaction's hash aggregates over a million contacts stay in
    memory (the default 4 MB spills them to disk); never lowers a larger setting."""
    if uow.dialect != "postgresql":
        return
    current = uow.conn.exec_driver_sql("SELECT pg_size_bytes(current_setting('work_mem'))")
    if current.scalar_one() < _WORK_MEM:
        uow.conn.exec_driver_sql(f"SET LOCAL work_mem = '{_WORK_MEM // 2**20}MB'")


def _create_scratch(uow: UnitOfWork) -> None:
    _drop_scratch(uow)
    prefix = "TEMPORARY" if uow.dialect == "postgresql" else "TEMP"
    uow.conn.exec_driver_sql(
        f"CREATE {prefix} TABLE {_WANTED.name} (contact_id BIGINT PRIMARY KEY)"
    )
    uow.conn.exec_driver_sql(
        f"CREATE {prefix} TABLE {_MOVES.name} (contact_id BIGINT, action VARCHAR(16))"
    )


def _drop_scratch(uow: UnitOfWork) -> None:
    for table in (_WANTED, _MOVES):
        uow.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")


def _analyze(uow: UnitOfWork, table: sa.Table) -> None:
    """PostgreSQL never analyses temporary tables by itself; its plans need the row count."""
    if uow.dialect == "postgresql":
        uow.conn.exec_driver_sql(f"ANALYZE {table.name}")


def _find_moves(uow: UnitOfWork, segment: LiveSegment) -> None:
    """Newcomers (wanted, not members) and leavers (members, not wanted) into the moves table."""
    m = segment_members.c
    wanted_id = _WANTED.c.contact_id
    is_member = (
        select(literal(1))
        .where(m.segment_id == segment.id, m.contact_id == wanted_id)
        .correlate(_WANTED)
        .exists()
    )
    is_wanted = select(literal(1)).where(wanted_id == m.contact_id).correlate(segment_members)
    columns = ["contact_id", "action"]
    uow.conn.execute(
        insert(_MOVES).from_select(columns, select(wanted_id, literal("entered")).where(~is_member))
    )
    uow.conn.execute(
        insert(_MOVES).from_select(
            columns,
            select(m.contact_id, literal("exited")).where(
                m.segment_id == segment.id, ~is_wanted.exists()
            ),
        )
    )


def _apply_moves(uow: UnitOfWork, segment: LiveSegment, *, now: int, report: RebuildReport) -> None:
    conn, moves = uow.conn, _MOVES.c
    rows = conn.execute(select(moves.action, sa.func.count()).group_by(moves.action))
    counts: dict[str, int] = {action: count for action, count in rows}
    report.entered, report.exited = counts.get("entered", 0), counts.get("exited", 0)
    if not counts:
        return
    reason = orjson.dumps(
        {"cause": "definition changed (rebuild)", "changed": ["*"], "leaves": []}
    ).decode()
    payload = orjson.dumps({"segment": segment.key, "segment_id": segment.id}).decode()
    conn.execute(
        insert(segment_history).from_select(
            ["segment_id", "contact_id", "action", "at", "reason"],
            select(
                literal(segment.id),
                moves.contact_id,
                moves.action,
                literal(now),
                _json_literal(reason, uow.dialect),
            ),
        )
    )
    conn.execute(
        insert(outbox).from_select(
            ["topic", "contact_id", "payload", "created_at"],
            select(
                literal("segment.") + moves.action,
                moves.contact_id,
                _json_literal(payload, uow.dialect),
                literal(now),
            ),
        )
    )
    if report.entered:
        conn.execute(
            insert(segment_members).from_select(
                ["segment_id", "contact_id", "entered_at"],
                select(literal(segment.id), moves.contact_id, literal(now)).where(
                    moves.action == "entered"
                ),
            )
        )
    if report.exited:
        leaving = select(moves.contact_id).where(moves.action == "exited")
        m = segment_members.c
        conn.execute(
            delete(segment_members).where(m.segment_id == segment.id, m.contact_id.in_(leaving))
        )


def _json_literal(payload: str, dialect: str) -> ColumnElement[object]:
    if dialect == "postgresql":
        return sa.cast(literal(payload), sa.dialects.postgresql.JSONB)
    return literal(payload)
