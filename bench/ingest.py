"""Ingestion throughput: in-process (service on the batch path) and over HTTP /v1/batch."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import time
from pathlib import Path
from typing import Any

import orjson
import yaml
from sqlalchemy import Engine

from bench.databases import DATABASES, fresh
from bench.loadgen import post_all
from bench.serving import served
from bench.workload import batches
from cadence import demo, pipeline
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.events.spec import parse_message
from cadence.runtime import now_millis
from cadence.workspace.document import load_text, read
from cadence.workspace.service import apply

WRITE_KEY = "cad_w_bench-write-key-0123456789abcdefghijkl"


def in_process(
    url: str, *, events: int, contacts: int, group: int, workspace: str | None = None
) -> dict[str, Any]:
    """Ingest into a fresh database; with ``workspace`` (a workspace document) applied first,
    so that its segments are live."""
    engine = make_engine(url)
    upgrade(engine)
    if workspace is not None:
        with unit_of_work(engine) as uow:
            apply(uow, read(load_text(workspace)), now=now_millis())
    result = ingest_workload(
        engine, events=events, contacts=contacts, group=group, tag=f"ip{group}"
    )
    engine.dispose()
    return result


def ingest_workload(
    engine: Engine, *, events: int, contacts: int, group: int, tag: str, seed: int = 1
) -> dict[str, Any]:
    """Parse and ingest 100-event batches, committing every ``group`` batches (group commit)."""
    work = batches(count=events, contacts=contacts, size=100, seed=seed, tag=tag)
    # the pre-generated workload stands for requests arriving from the network: keep the
    # garbage collector from walking it again on every collection of the timed section
    gc.collect()
    gc.freeze()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(work), group):
        received = now_millis()
        parsed = []
        for chunk in work[start : start + group]:
            for index, message in enumerate(chunk):
                event = parse_message(message, where=f"batch[{index}]", received_at=received)
                assert not isinstance(event, list), event
                parsed.append(event)
        with unit_of_work(engine) as uow:
            pipeline.process(uow, parsed, now=received)
    elapsed = time.perf_counter() - started
    used = time.process_time() - cpu  # this process only: all of SQLite, none of PostgreSQL
    gc.unfreeze()
    return {
        "events": events,
        "seconds": elapsed,
        "events_per_s": events / elapsed,
        "events_per_cpu_s": events / used,
    }


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def over_http(url: str, *, events: int, contacts: int, concurrency: int) -> dict[str, Any]:
    """Serve Cadence with uvicorn in its own process and post 100-event batches concurrently."""
    env = {"CADENCE_DATABASE_URL": url, "CADENCE_BOOTSTRAP_WRITE_KEY": WRITE_KEY}
    with served(env) as (port, server):
        bodies = [
            orjson.dumps({"batch": chunk})
            for chunk in batches(count=events, contacts=contacts, size=100, tag="http")
        ]
        started = time.perf_counter()
        answered = asyncio.run(
            post_all(
                host="127.0.0.1",
                port=port,
                path="/v1/batch",
                bodies=bodies,
                user=WRITE_KEY,
                concurrency=concurrency,
            )
        )
        elapsed = time.perf_counter() - started
        assert answered == len(bodies)
        peak = _peak_rss_kb(server.pid)
    return {
        "events": events,
        "seconds": elapsed,
        "events_per_s": events / elapsed,
        "server_peak_rss_mb": peak / 1024,
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


LEADS_SECTIONS = ("scoring", "grading", "lifecycle")


def demo_workspace(*, leads: bool, rest: bool) -> str:
    """The demo workspace as text, with or without its lead sections (scoring, grading,
    lifecycle) and with or without everything else (segments, forms, messages, ...)."""
    document = yaml.safe_load((Path(demo.__file__).parent / "workspace.yaml").read_text())
    kept = {
        key: value
        for key, value in document.items()
        if (key in LEADS_SECTIONS and leads) or (key not in LEADS_SECTIONS and rest)
    }
    return yaml.safe_dump(kept, sort_keys=False)


def scoring_share(kind: str, *, events: int, contacts: int) -> dict[str, float] | None:
    """Events/s of in-process ingestion with the demo workspace's lead sections and without,
    alone and next to the rest of the demo workspace (segments live), each into a fresh
    database; ``share`` is the part of the time spent on scoring, grading and lifecycle.
    ``cpu_share`` is the same from this process's CPU time, which a loaded machine
    disturbs far less than wall-clock time (on SQLite it holds the database's work too)."""
    rates: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for leads, rest in ((False, False), (True, False), (False, True), (True, True)):
        with fresh(kind) as url:
            if url is None:
                return None
            document = demo_workspace(leads=leads, rest=rest) if leads or rest else None
            found = in_process(url, events=events, contacts=contacts, group=50, workspace=document)
        label = f"{'leads' if leads else 'none'}+{'rest' if rest else 'bare'}"
        rates[label], cpu[label] = found["events_per_s"], found["events_per_cpu_s"]
    return {
        **rates,
        "share_alone": 1 - rates["leads+bare"] / rates["none+bare"],
        "share_with_rest": 1 - rates["leads+rest"] / rates["none+rest"],
        "cpu_share_alone": 1 - cpu["leads+bare"] / cpu["none+bare"],
        "cpu_share_with_rest": 1 - cpu["leads+rest"] / cpu["none+rest"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Scoring's share of in-process ingestion.")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--db", action="append", choices=DATABASES, help="default: both")
    args = parser.parse_args()
    for kind in args.db or list(DATABASES):
        found = scoring_share(kind, events=args.events, contacts=args.contacts)
        if found is None:
            continue
        print(
            f"{kind}: {args.events:,} events over {args.contacts:,} contacts, events/s: "
            f"bare {found['none+bare']:,.0f}, leads only {found['leads+bare']:,.0f} "
            f"(scoring share {found['share_alone']:.0%}); rest of demo workspace "
            f"{found['none+rest']:,.0f}, with leads {found['leads+rest']:,.0f} "
            f"(scoring share {found['share_with_rest']:.0%}); by CPU time of this process: "
            f"scoring share {found['cpu_share_alone']:.0%} alone, "
            f"{found['cpu_share_with_rest']:.0%} with the rest; "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    main()
