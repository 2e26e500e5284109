"""Rescoring benchmark (issue 4): rescore, regrade and qualify everybody from scratch.

Generates contacts, accounts and events straight into the tables (bench/segment_data.py,
the same data as the segment benchmark), stores lead settings with the issue's rules
(a ``where`` rule on the most common event, a daily cap, negative points) and times
``rescore_all``: reading the scored events in bulk, the numpy rebuild, the score writes,
the grading and qualifying UPDATEs; once with the rules unchanged (little to write) and
once applying edited rules (most scores, fits and grades change).

    python -m bench.scoring --contacts 1000000 --events 10000000 --db sqlite
"""

from __future__ import annotations

import argparse
import time

from bench.databases import DATABASES, fresh
from bench.segment_data import load
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.runtime import now_millis
from cadence.scoring import rescore
from cadence.scoring import settings as lead_settings
from cadence.scoring.reading import read_pairs
from cadence.workspace.document import load_text, read
from cadence.workspace.service import apply

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


def run(kind: str, *, contacts: int, events: int) -> dict[str, float] | None:
    with fresh(kind) as url:
        if url is None:
            return None
        engine = make_engine(url)
        upgrade(engine)
        now = now_millis()
        loaded = load(engine, contacts=contacts, events=events, now=now)
        with unit_of_work(engine) as uow:
            apply(uow, read(load_text(LEADS)), now=now)  # scores what is there: untimed warm-up
        with unit_of_work(engine) as uow:
            settings = lead_settings.load(uow)
            begun = time.perf_counter()
            pairs = read_pairs(uow, settings.scoring.rules)
            reading = time.perf_counter() - begun
        begun = time.perf_counter()
        with unit_of_work(engine) as uow:
            report = rescore.rescore_all(uow, settings=settings, now=now)
        total = time.perf_counter() - begun
        begun = time.perf_counter()
        with unit_of_work(engine) as uow:  # applying edited rules rescores everybody
            apply(uow, read(load_text(CHANGED)), now=now)
        changed = time.perf_counter() - begun
        engine.dispose()
    return {
        "load_s": loaded.seconds,
        "pairs": float(len(pairs.contact)),
        "read_s": reading,
        "rescore_s": total,
        "changed_s": changed,
        "scored": float(report["scored"]),
    }


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
        print(
            f"{kind}: {args.contacts:,} contacts, {args.events:,} events: "
            f"{result['pairs']:,.0f} scored (event, rule) pairs read in {result['read_s']:.2f} s; "
            f"rescore + regrade + qualify of {result['scored']:,.0f} scored contacts "
            f"{result['rescore_s']:.2f} s with the rules unchanged, "
            f"{result['changed_s']:.2f} s applying edited rules "
            f"(data loaded in {result['load_s']:.1f} s)"
        )


if __name__ == "__main__":
    main()
