"""``python -m bench``: run every benchmark and print a table of figures."""

from __future__ import annotations

import argparse
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import ingest
from cadence.db.engine import normalise_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_database() -> tuple[str, str] | None:
    admin = normalise_url(os.environ.get("CADENCE_BENCH_POSTGRES_URL", DEFAULT_PG))
    name = f"cadence_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as error:  # benchmarks report what they could not run
        print(f"PostgreSQL not available ({error.__class__.__name__}); skipping its rows")
        return None
    return admin, make_url(admin).set(database=name).render_as_string(hide_password=False)


def _drop(admin: str, url: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--http-events", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rows: list[tuple[str, str, dict[str, object]]] = []

    def databases() -> list[tuple[str, str, object]]:
        found: list[tuple[str, str, object]] = []
        url, folder = ingest.fresh_sqlite()
        found.append(("sqlite", url, lambda: ingest.cleanup(folder)))
        pg = _postgres_database()
        if pg is not None:
            admin, pg_url = pg
            found.append(("postgresql", pg_url, lambda: _drop(admin, pg_url)))
        return found

    for name, url, done in databases():
        result = ingest.in_process(url, events=args.events, contacts=args.contacts, group=50)
        rows.append(("ingest in-process, 100-event batches, 5,000 per commit", name, result))
        done()  # type: ignore[operator]
    for name, url, done in databases():
        result = ingest.over_http(
            url, events=args.http_events, contacts=args.contacts, concurrency=args.concurrency
        )
        rows.append(
            (f"HTTP /v1/batch, 100-event batches, {args.concurrency} concurrent", name, result)
        )
        done()  # type: ignore[operator]

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
    print(f"bench process peak RSS {ingest.peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
