"""Segment benchmarks (issue 3).

* Full rebuild: generate contacts, accounts and events straight into the tables
  (bench/segment_data.py), then apply the workspace bench/segments.yaml (20
  dynamic segments and a static list) to an empty segments table, timing each
  segment's set-based rebuild and the SQL statements inside it; then each
  condition's query alone, a second rebuild with the members in place (as after
  a definition change), and the re-checks the rebuild leaves for the scheduler.
* Incremental: in-process ingestion throughput with no segments, and with the
  same workspace applied first (20 live segments).

    python -m bench.segments                                    # 100k contacts, 1M events
    python -m bench.segments --contacts 1000000 --events 10000000 --explain 3 --index-study
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bench import ingest
from bench.databases import DATABASES, fresh
from bench.segment_data import load
from bench.segment_probe import (
    PARTS,
    IndexStudy,
    StatementClock,
    explain_plans,
    print_study,
    study_indexes,
    time_conditions,
)
from cadence.db.bulk import insert_many
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.db.tables import schedule, segment_members, segments
from cadence.runtime import now_millis
from cadence.segments import service as segment_service
from cadence.segments.config import SegmentSpec, in_dependency_order, parse_section
from cadence.segments.membership import run_due_rechecks
from cadence.segments.rebuild import rebuild
from cadence.segments.store import load_segments
from cadence.workspace.document import load_text

WORKSPACE = Path(__file__).with_name("segments.yaml")
STATIC_SHARE = 100  # every 100th contact is on the static VIP list
RECHECK_SAMPLE = 5000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class SegmentRow:
    key: str
    kind: str
    members: int = 0
    seconds: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    query_seconds: float = 0.0
    again_seconds: float = 0.0


@dataclass
class RebuildResult:
    db: str
    contacts: int
    events: int
    load_seconds: float
    rows: list[SegmentRow]
    now: int = 0
    note: str = ""
    total_seconds: float = 0.0
    commit_seconds: float = 0.0
    again_seconds: float = 0.0
    rechecks_due: int = 0
    rechecks_per_s: float = 0.0
    plans: dict[str, str] = field(default_factory=dict)
    study: IndexStudy | None = None
    ingest_events: int = 0
    ingest_none_per_s: float = 0.0  # ingesting into this database before any segment exists
    ingest_live_per_s: float = 0.0  # ... and after the rebuild, with the 20 segments live

    @property
    def dynamic(self) -> list[SegmentRow]:
        return [r for r in self.rows if r.kind == "dynamic"]


def read_specs() -> list[SegmentSpec]:
    """The ``segments:`` section of the benchmark workspace, validated."""
    specs, errors = parse_section(load_text(WORKSPACE.read_text())["segments"])
    assert not errors, errors
    return specs


def _seed_static_list(engine: Engine, specs: list[SegmentSpec], *, now: int) -> None:
    """Set-up, untimed: the static list exists and holds every STATIC_SHARE-th contact."""
    with unit_of_work(engine) as uow:
        for spec in specs:
            if spec.kind != "static":
                continue
            segment_service.save(uow, spec, now=now, managed_by="workspace")
            segment_id = uow.conn.scalar(sa.select(segments.c.id).where(segments.c.key == spec.key))
            ids = uow.conn.scalars(
                sa.text(f"SELECT id FROM contacts WHERE id % {STATIC_SHARE} = 0")
            )
            rows = [(segment_id, cid, now) for cid in ids]
            columns = ("segment_id", "contact_id", "entered_at")
            insert_many(uow.conn, "segment_members", columns, rows)


def _rebuild_all(engine: Engine, specs: list[SegmentSpec], *, now: int) -> RebuildResult:
    """Save every new segment the way applying the workspace does, timing each one."""
    clock = StatementClock(engine)
    rows: list[SegmentRow] = []
    started = time.perf_counter()
    with unit_of_work(engine) as uow:
        stored = {s.key for s in segment_service.stored_specs(uow)}
        clock.take()
        for spec in in_dependency_order(specs):
            row = SegmentRow(spec.key, spec.kind)
            rows.append(row)
            if spec.key not in stored:
                begun = time.perf_counter()
                _, reports = segment_service.save(uow, spec, now=now, managed_by="workspace")
                row.seconds, row.parts = time.perf_counter() - begun, clock.take()
                row.members = reports[0].members if reports else 0
                log(f"rebuilt {spec.key}: {row.members:,} members in {row.seconds:.2f} s")
        committing = time.perf_counter()
    finished = time.perf_counter()
    clock.close()
    result = RebuildResult("", 0, 0, 0.0, rows, now=now)
    result.total_seconds, result.commit_seconds = finished - started, finished - committing
    with engine.connect() as conn:
        for row in rows:
            if row.kind == "static":
                query = (
                    sa.select(sa.func.count())
                    .select_from(
                        segment_members.join(
                            segments, segments.c.id == segment_members.c.segment_id
                        )
                    )
                    .where(segments.c.key == row.key)
                )
                row.members = conn.scalar(query) or 0
    return result


def _rebuild_again(engine: Engine, rows: list[SegmentRow], *, now: int) -> float:
    """Rebuild every dynamic segment once more, its members in place (a definition changed)."""
    by_key = {row.key: row for row in rows}
    started = time.perf_counter()
    with unit_of_work(engine) as uow:
        for segment in load_segments(uow):
            if segment.dynamic:
                begun = time.perf_counter()
                rebuild(uow, segment, now=now)
                by_key[segment.key].again_seconds = time.perf_counter() - begun
    return time.perf_counter() - started


def _rechecks(engine: Engine, *, now: int) -> tuple[int, float]:
    """How many re-checks the rebuild left due, and how fast the scheduler takes them."""
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(schedule)
        due = conn.scalar(query.where(sa.type_coerce(schedule.c.due_at, sa.BigInteger) <= now))
    due = due or 0
    if not due:
        return 0, 0.0
    begun = time.perf_counter()
    with unit_of_work(engine) as uow:
        report = run_due_rechecks(uow, now=now, limit=RECHECK_SAMPLE)
    return due, report.evaluated / (time.perf_counter() - begun)


def _ingest_into(engine: Engine, *, events: int, contacts: int, tag: str) -> float:
    """events/s of the ingestion workload, its people being the generated contacts."""
    if not events:
        return 0.0
    result = ingest.ingest_workload(engine, events=events, contacts=contacts, group=50, tag=tag)
    return float(result["events_per_s"])


@dataclass(frozen=True)
class RebuildOptions:
    explain: int = 0
    again: bool = True
    index_study: bool = False
    ingest_events: int = 20_000
    keep: bool = False  # leave the database for a closer look (printed on stderr)
    pg_work_mem: str | None = None  # e.g. "256MB" for the benchmark's sessions; None: server's


def run_rebuild(
    kind: str, *, contacts: int, events: int, options: RebuildOptions
) -> RebuildResult | None:
    """Generate data in a fresh database of ``kind`` and time the full rebuild there."""
    with fresh(kind, keep=options.keep) as url:
        if url is None:
            return None
        if kind == "postgresql" and options.pg_work_mem:
            query = {"options": f"-c work_mem={options.pg_work_mem}"}
            url = make_url(url).update_query_dict(query).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        result = _load_and_rebuild(engine, kind, contacts=contacts, events=events, options=options)
        if kind == "postgresql" and options.pg_work_mem:
            result.note = f", work_mem={options.pg_work_mem}"
        _look_closer(engine, result, options=options)
        engine.dispose()
    return result


def _load_and_rebuild(
    engine: Engine, kind: str, *, contacts: int, events: int, options: RebuildOptions
) -> RebuildResult:
    specs = read_specs()
    now = now_millis()
    log(f"{kind}: generating {contacts:,} contacts and {events:,} events (now={now})")
    loaded = load(engine, contacts=contacts, events=events, now=now)
    log(f"{kind}: loaded in {loaded.seconds:.1f} s; ingesting with no segments")
    ingest_none = _ingest_into(engine, events=options.ingest_events, contacts=contacts, tag="p0")
    _seed_static_list(engine, specs, now=now)
    result = _rebuild_all(engine, specs, now=now)
    result.db, result.contacts, result.events, result.now = kind, contacts, events, now
    result.load_seconds = loaded.seconds
    result.ingest_events, result.ingest_none_per_s = options.ingest_events, ingest_none
    return result


def _look_closer(engine: Engine, result: RebuildResult, *, options: RebuildOptions) -> None:
    """After the rebuild: conditions alone, a second rebuild, re-checks, live ingestion..."""
    kind, now = result.db, result.now
    log(f"{kind}: rebuild {result.total_seconds:.1f} s; timing the conditions alone")
    for key, seconds in time_conditions(engine, now=now).items():
        next(r for r in result.rows if r.key == key).query_seconds = seconds
    if options.again:
        log(f"{kind}: rebuilding again with the members in place")
        result.again_seconds = _rebuild_again(engine, result.rows, now=now)
    log(f"{kind}: one scheduler pass over due re-checks")
    result.rechecks_due, result.rechecks_per_s = _rechecks(engine, now=now)
    log(f"{kind}: ingesting with the segments live")
    result.ingest_live_per_s = _ingest_into(
        engine, events=options.ingest_events, contacts=result.contacts, tag="p20"
    )
    if options.explain:
        slowest = sorted(result.dynamic, key=lambda r: -r.query_seconds)[: options.explain]
        result.plans = explain_plans(engine, [r.key for r in slowest], now=now)
    if options.index_study:
        log(f"{kind}: index study")
        result.study = study_indexes(engine, now=now)


@dataclass
class IncrementalResult:
    db: str
    events: int
    none_per_s: float
    live_per_s: float

    @property
    def ratio(self) -> float:
        return self.live_per_s / self.none_per_s


def run_incremental(kind: str, *, events: int, contacts: int) -> IncrementalResult | None:
    """In-process ingestion throughput with no segments, then with the benchmark workspace."""
    speeds = []
    for workspace in (None, WORKSPACE.read_text()):
        with fresh(kind) as url:
            if url is None:
                return None
            log(f"{kind}: ingesting {events:,} events, {'20' if workspace else 'no'} segments")
            result = ingest.in_process(
                url, events=events, contacts=contacts, group=50, workspace=workspace
            )
            speeds.append(result["events_per_s"])
    return IncrementalResult(kind, events, speeds[0], speeds[1])


def print_rebuild(result: RebuildResult) -> None:
    print(
        f"\nFull rebuild on {result.db}{result.note}: {result.contacts:,} contacts, "
        f"{result.events:,} events "
        f"(generated and loaded in {result.load_seconds:.1f} s); seconds, and seconds per kind "
        "of statement inside the rebuild"
    )
    parts = " ".join(f"{p:>8}" for p in PARTS)
    print(f"{'segment':<22} {'members':>9} {'rebuild':>8} | {parts} | {'query':>7} {'again':>7}")
    for row in result.rows:
        spent = " ".join(f"{row.parts.get(p, 0.0):>8.2f}" for p in PARTS)
        label = row.key + (" (static)" if row.kind == "static" else "")
        print(
            f"{label:<22} {row.members:>9,} {row.seconds:>8.2f} | {spent} | "
            f"{row.query_seconds:>7.2f} {row.again_seconds:>7.2f}"
        )
    count = len(result.dynamic)
    alone = sum(r.query_seconds for r in result.dynamic)
    print(
        f"total {result.total_seconds:.2f} s for {count} dynamic segments "
        f"({result.total_seconds / max(1, count):.2f} s per segment; commit "
        f"{result.commit_seconds:.2f} s); the conditions alone {alone:.2f} s; "
        f"rebuilt again with members in place {result.again_seconds:.2f} s"
    )
    if result.rechecks_due and result.rechecks_per_s:
        drain = result.rechecks_due / result.rechecks_per_s
        print(
            f"re-checks the rebuild left due now: {result.rechecks_due:,}; the scheduler "
            f"takes {result.rechecks_per_s:,.0f}/s, so about {drain:,.0f} s of work"
        )
    if result.ingest_events:
        ratio = result.ingest_live_per_s / result.ingest_none_per_s
        print(
            f"ingesting {result.ingest_events:,} events into this database: "
            f"{result.ingest_none_per_s:,.0f} events/s with no segments, "
            f"{result.ingest_live_per_s:,.0f} events/s with the 20 live (ratio {ratio:.2f})"
        )
    for key, text in result.plans.items():
        print(f"\nplan of {key} on {result.db}:\n{text}")
    if result.study is not None:
        print_study(result.study, result.db)


def print_incremental(results: list[IncrementalResult]) -> None:
    print(f"\n{'ingest in-process':<30} {'db':<11} {'events':>9} {'events/s':>10} {'ratio':>6}")
    for r in results:
        print(f"{'no segments':<30} {r.db:<11} {r.events:>9,} {r.none_per_s:>10,.0f}")
        live = f"{r.live_per_s:>10,.0f} {r.ratio:>6.2f}"
        print(f"{'20 live segments':<30} {r.db:<11} {r.events:>9,} {live}")


def add_arguments(parser: argparse.ArgumentParser, *, prefix: str = "") -> None:
    """Sizes and probes; ``prefix`` keeps the names apart inside ``python -m bench``."""
    parser.add_argument(f"--{prefix}contacts", type=int, default=100_000)
    parser.add_argument(f"--{prefix}events", type=int, default=1_000_000)
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="plans of N slowest")
    parser.add_argument("--index-study", action="store_true", help="time other events indexes")
    parser.add_argument("--no-again", action="store_true", help="skip the second rebuild")
    parser.add_argument(
        "--populated-events", type=int, default=20_000, help="ingested into the rebuilt database"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument("--pg-work-mem", metavar="SIZE", help="work_mem of the bench sessions")
    parser.add_argument("--ingest-events", type=int, default=100_000)
    parser.add_argument("--ingest-contacts", type=int, default=10_000)


def options_from(args: argparse.Namespace) -> RebuildOptions:
    return RebuildOptions(
        explain=args.explain,
        again=not args.no_again,
        index_study=args.index_study,
        ingest_events=args.populated_events,
        keep=args.keep,
        pg_work_mem=args.pg_work_mem,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--db", action="append", choices=DATABASES, help="default: both")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    args = parser.parse_args()
    kinds = args.db or list(DATABASES)
    if not args.skip_rebuild:
        for kind in kinds:
            result = run_rebuild(
                kind, contacts=args.contacts, events=args.events, options=options_from(args)
            )
            if result is not None:
                print_rebuild(result)
    if not args.skip_incremental:
        found = [
            run_incremental(k, events=args.ingest_events, contacts=args.ingest_contacts)
            for k in kinds
        ]
        print_incremental([r for r in found if r is not None])


if __name__ == "__main__":
    main()
