"""Rescoring benchmark (issue 4): rescore, regrade and qualify everybody from scratch.

Generates contacts, accounts and events straight into the tables (bench/segment_data.py,
the same data as the segment benchmark), stores lead settings with the issue's rules
(a ``where`` rule on the most common event, a daily cap, negative points) and times
``rescore_all`` step by step (reading the scored events in bulk, the numpy rebuild,
staging the scores, the one UPDATE of score, band, fit and grade, the band wake-ups, the
MQL qualification): from scratch (every contact written), again with the rules unchanged
(nothing to write), then with edited rules (most scores, fits and grades change), each
in its own transaction (with the commit in the total).

    python -m bench.scoring --contacts 1000000 --events 10000000 --db sqlite
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import yaml
from sqlalchemy import Engine

from bench.databases import DATABASES, fresh
from bench.segment_data import load
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.runtime import now_millis
from cadence.scoring import rescore
from cadence.scoring import settings as lead_settings

LEADS = """
scoring:
  half_life_days: 30
  bands: [80, 50, 25, 10]
  rules:
    - {key: pricing-visit, event: Page Viewed, where: {path: /pricing}, points: 10}
    - {key: page, event: Page Viewed, points: 1}
    - {key: demo, event: Demo Requested, points: 40}
    - {key: email-click, event: Email Clicked, points: 5, max_per_day: 3}
    - {key: unsubscribe, event: Unsubscribed, points: -30}
grading:
  grades: [70, 50, 30, 10]
  criteria:
    - key: senior
      when: {field: traits.seniority, op: in, value: [C-level, VP, Director, Head of]}
      points: 30
    - key: company-size
      when: {field: account.employees, op: gte, value: 200}
      points: 20
"""
# The same settings after an edit: most scores, fits and grades change (a rescore's usual case).
CHANGED = (
    LEADS.replace(
        "{key: page, event: Page Viewed, points: 1}", "{key: page, event: Page Viewed, points: 2}"
    )
    .replace("grades: [70, 50, 30, 10]", "grades: [60, 45, 25, 5]")
    .replace("points: 30\n", "points: 35\n")
)


def _steps(seconds: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in seconds.items())


def _lay_out(engine: Engine) -> None:
    """PostgreSQL: rewrite the contacts table (set-up, not timed) so that rows restored from
    a cached data set made before migration 0012 leave the room its fillfactor asks for, as
    a fresh load into the migrated table does."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (FULL, ANALYZE) contacts")


def run(kind: str, *, contacts: int, events: int) -> dict[str, Any] | None:
    with fresh(kind) as url:
        if url is None:
            return None
        engine = make_engine(url)
        upgrade(engine)
        now = now_millis()
        loaded = load(engine, contacts=contacts, events=events, now=now)
        _lay_out(engine)
        found: dict[str, Any] = {"load_s": loaded.seconds}
        # from scratch: nothing scored yet; then the same rules (nothing to write); then
        # edited rules, as applying a workspace file does (store the settings, rescore)
        for label, text in (("scratch", LEADS), ("unchanged", LEADS), ("changed", CHANGED)):
            settings, errors = lead_settings.read_sections(yaml.safe_load(text))
            assert settings is not None, errors
            steps: dict[str, float] = {}
            found[f"{label}_steps"] = steps
            begun = time.perf_counter()
            with unit_of_work(engine) as uow:
                lead_settings.store(uow, settings)
                found[label] = rescore.rescore_all(uow, settings=settings, now=now, seconds=steps)
            found[f"{label}_s"] = time.perf_counter() - begun  # with the commit
        engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", action="append", choices=DATABASES, help="default: both")
    args = parser.parse_args()
    for kind in args.db or list(DATABASES):
        result = run(kind, contacts=args.contacts, events=args.events)
        if result is None:
            continue
        scratch = result["scratch"]
        print(
            f"{kind}: {args.contacts:,} contacts, {args.events:,} events "
            f"(data loaded in {result['load_s']:.1f} s): {scratch['scored']:,} contacts scored "
            f"from {scratch['events']:,} events read\n"
            f"  from scratch {result['scratch_s']:.2f} s ({_steps(result['scratch_steps'])})\n"
            f"  rules unchanged {result['unchanged_s']:.2f} s "
            f"({_steps(result['unchanged_steps'])})\n"
            f"  edited rules {result['changed_s']:.2f} s ({_steps(result['changed_steps'])})\n"
            f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    main()
