"""Looking inside a segment rebuild: time per kind of SQL statement, each condition's query
alone, the database's plans, and how the condition queries fare with other event indexes."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event

from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis
from cadence.segments.rebuild import matching
from cadence.segments.store import LiveSegment, load_segments

PARTS = ("diff", "history", "outbox", "members", "schedule", "other")


class StatementClock:
    """Time spent in each kind of SQL statement (PARTS), from the engine's cursor events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.parts: dict[str, float] = defaultdict(float)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Connection, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        started = conn.info.pop("bench_started", None)
        if started is not None:
            self.parts[statement_kind(statement)] += time.perf_counter() - started

    def take(self) -> dict[str, float]:
        parts, self.parts = dict(self.parts), defaultdict(float)
        return parts

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def statement_kind(statement: str) -> str:
    head = " ".join(statement.split(None, 3)[:3]).lower()
    if head.startswith("select count"):
        return "diff"  # each count evaluates the condition once (newcomers, leavers)
    for table in ("segment_history", "outbox", "segment_members", "schedule"):
        if table in head:
            return "members" if table == "segment_members" else table.removeprefix("segment_")
    return "other"


def _count(segment: LiveSegment, dialect: str, now: int) -> sa.Select[tuple[int]]:
    query = matching(segment, dialect=dialect, now=from_millis(now), half_life_days=None)
    return sa.select(sa.func.count()).select_from(query.subquery())


def time_conditions(engine: Engine, *, now: int) -> dict[str, float]:
    """Seconds of each dynamic segment's condition query alone (a count of its matches)."""
    found: dict[str, float] = {}
    with engine.connect() as conn:
        for segment in load_segments(UnitOfWork(conn)):
            if segment.dynamic:
                begun = time.perf_counter()
                conn.scalar(_count(segment, conn.dialect.name, now))
                found[segment.key] = time.perf_counter() - begun
    return found


@contextmanager
def _prefixed(conn: Connection, prefix: str) -> Iterator[None]:
    def prefix_statement(*args: Any) -> tuple[str, Any]:
        return prefix + args[2], args[3]

    event.listen(conn, "before_cursor_execute", prefix_statement, retval=True)
    try:
        yield
    finally:
        event.remove(conn, "before_cursor_execute", prefix_statement)


def explain_plans(engine: Engine, keys: list[str], *, now: int) -> dict[str, str]:
    """The plan of each segment's condition query (PostgreSQL: run, with actual times)."""
    plans: dict[str, str] = {}
    with engine.connect() as conn:
        dialect = conn.dialect.name
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        live = {s.key: s for s in load_segments(UnitOfWork(conn))}
        for key in keys:
            with _prefixed(conn, prefix):
                found = conn.execute(_count(live[key], dialect, now)).all()
            if dialect == "sqlite":
                depth: dict[int, int] = {0: -1}
                lines = []
                for node, parent, _, detail in found:
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node] + detail)
            else:
                lines = [line for (line,) in found]
            plans[key] = "\n".join(lines)
    return plans


@dataclass(frozen=True)
class IndexVariant:
    label: str
    drop: tuple[str, ...] = ()
    create: tuple[tuple[str, str], ...] = ()  # (name, columns)
    analyze: bool = False  # SQLite only: ANALYZE first (the app never runs it)


INDEX_VARIANTS = (
    IndexVariant("as shipped: events(contact_id), events(name, ts, contact_id)"),
    IndexVariant("without events(name, ts, contact_id)", drop=("ix_events_name_ts_contact",)),
    IndexVariant(
        "plus events(contact_id, ts)", create=(("ix_bench_contact_ts", "contact_id, ts"),)
    ),
    IndexVariant(
        "events(name, ts) instead (before 0011)",
        drop=("ix_events_name_ts_contact",),
        create=(("ix_bench_name_ts", "name, ts"),),
    ),
    IndexVariant("as shipped, after ANALYZE", analyze=True),
)


@dataclass
class IndexStudy:
    variants: list[str] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=dict)  # segment -> per variant


def _change_indexes(engine: Engine, variant: IndexVariant, *, undo: bool) -> None:
    with engine.begin() as conn:
        if undo:
            for name, _ in variant.create:
                conn.exec_driver_sql(f"DROP INDEX {name}")
            for name in variant.drop:
                conn.exec_driver_sql(f"CREATE INDEX {name} ON events (name, ts)")
            return
        for name in variant.drop:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        for name, columns in variant.create:
            conn.exec_driver_sql(f"CREATE INDEX {name} ON events ({columns})")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE events")
        elif variant.analyze:
            conn.exec_driver_sql("ANALYZE")


def study_indexes(engine: Engine, *, now: int) -> IndexStudy:
    """Time every condition query under each index variant (the schema is restored after)."""
    study = IndexStudy()
    for variant in INDEX_VARIANTS:
        if variant.analyze and engine.dialect.name != "sqlite":
            continue
        _change_indexes(engine, variant, undo=False)
        engine.dispose()  # new connections, so SQLite re-reads its statistics
        study.variants.append(variant.label)
        for key, seconds in time_conditions(engine, now=now).items():
            study.seconds.setdefault(key, []).append(seconds)
        if not variant.analyze:
            _change_indexes(engine, variant, undo=True)
    return study


def print_study(study: IndexStudy, db: str) -> None:
    print(f"\nCondition queries alone on {db}, seconds, per events index variant:")
    for number, label in enumerate(study.variants, start=1):
        print(f"  [{number}] {label}")
    header = " ".join(f"{f'[{n}]':>7}" for n in range(1, len(study.variants) + 1))
    print(f"{'segment':<22} {header}")
    for key, seconds in study.seconds.items():
        print(f"{key:<22} " + " ".join(f"{s:>7.2f}" for s in seconds))
    totals = [
        sum(values[i] for values in study.seconds.values()) for i in range(len(study.variants))
    ]
    print(f"{'total':<22} " + " ".join(f"{s:>7.2f}" for s in totals))
