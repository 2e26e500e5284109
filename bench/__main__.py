"""``python -m bench``: run every benchmark and print a table of figures.

The segment benchmarks run at a size that keeps ``make bench`` to minutes; run
``python -m bench.segments --contacts 1000000 --events 10000000`` for the full size.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import campaign as campaign_bench
from bench import ingest, segments
from bench import journeys as journey_bench
from bench.databases import DATABASES, fresh


def _ingest_rows(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any]]]:
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for kind in DATABASES:
        with fresh(kind) as url:
            if url is not None:
                result = ingest.in_process(
                    url, events=args.events, contacts=args.contacts, group=50
                )
                rows.append(
                    ("ingest in-process, 100-event batches, 5,000 per commit", kind, result)
                )
    for kind in DATABASES:
        with fresh(kind) as url:
            if url is not None:
                result = ingest.over_http(
                    url,
                    events=args.http_events,
                    contacts=args.contacts,
                    concurrency=args.concurrency,
                )
                label = f"HTTP /v1/batch, 100-event batches, {args.concurrency} concurrent"
                rows.append((label, kind, result))
    return rows


def _print_ingest(rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    print(f"\n{'benchmark':<58} {'db':<11} {'events':>9} {'seconds':>8} {'events/s':>10}  extra")
    for label, db, result in rows:
        extra = (
            f"server peak RSS {result['server_peak_rss_mb']:.0f} MB"
            if "server_peak_rss_mb" in result
            else ""
        )
        print(
            f"{label:<58} {db:<11} {result['events']:>9,} {result['seconds']:>8.2f} "
            f"{result['events_per_s']:>10,.0f}  {extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--http-events", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--only", choices=("ingest", "segments", "journeys", "campaign"), help="run one group"
    )
    segments.add_arguments(parser, prefix="segment-")
    args = parser.parse_args()
    if args.only in (None, "campaign"):
        campaign_bench.main_for(recipients=1000)
    if args.only == "campaign":
        return
    if args.only in (None, "journeys"):
        journey_bench.report(people=20_000, workers=2)
    if args.only == "journeys":
        return
    if args.only != "segments":
        _print_ingest(_ingest_rows(args))
    if args.only != "ingest":
        for kind in DATABASES:
            result = segments.run_rebuild(
                kind,
                contacts=args.segment_contacts,
                events=args.segment_events,
                explain=args.explain,
            )
            if result is not None:
                segments.print_rebuild(result)
        found = [
            segments.run_incremental(k, events=args.ingest_events, contacts=args.ingest_contacts)
            for k in DATABASES
        ]
        segments.print_incremental([r for r in found if r is not None])
    print(f"bench process peak RSS {ingest.peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
