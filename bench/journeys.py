"""Journey scheduler throughput: due journey steps per second on PostgreSQL with two
worker processes claiming with FOR UPDATE SKIP LOCKED, checking that no step ran twice.

    python -m bench.journeys --contacts 20000 --workers 2

The journey: a random split, a 1-second wait, a second random split, exit (4 steps per
enrolment; the wait makes every enrolment go back through the due table once).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from typing import Any

from sqlalchemy import func, insert, select

from bench.databases import fresh
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.db.tables import contacts, journey_enrolments, journey_runs
from cadence.journeys import enrolment, runner, store
from cadence.journeys.config import Known, parse_journey
from cadence.runtime import now_millis

STEPS_PER_ENROLMENT = 4
JOURNEY: dict[str, Any] = {
    "key": "bench",
    "triggers": [{"manual": True}],
    "steps": [
        {
            "id": "first",
            "type": "random",
            "branches": [
                {"key": "a", "weight": 1, "next": "pause"},
                {"key": "b", "weight": 1, "next": "pause"},
            ],
        },
        {"id": "pause", "type": "wait", "duration": "1s", "next": "second"},
        {
            "id": "second",
            "type": "random",
            "branches": [
                {"key": "c", "weight": 1, "next": "done"},
                {"key": "d", "weight": 2, "next": "done"},
            ],
        },
        {"id": "done", "type": "exit"},
    ],
}


def _setup(url: str, *, people: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = now_millis()
    rows = [
        {
            "email": f"j{i}@example.com",
            "traits": {},
            "trait_times": {},
            "created_at": now,
            "updated_at": now,
        }
        for i in range(people)
    ]
    with unit_of_work(engine) as uow:
        uow.conn.execute(insert(contacts), rows)
        journey = parse_journey(JOURNEY, "", [], Known())
        assert journey is not None
        saved, _ = store.save(uow, journey, managed_by="bench", now=now)
        ids = list(uow.conn.scalars(select(contacts.c.id)))
        enrolment.enrol(uow, stored=saved, contact_ids=ids, trigger="bench", now=now)
    engine.dispose()


def _worker(url: str, batch: int, ready: Any) -> None:
    engine = make_engine(url, pool_size=2)
    with unit_of_work(engine, write=False) as uow:  # connect before the clock starts
        uow.conn.execute(select(1))
    ready.wait()
    active = (
        select(func.count())
        .select_from(journey_enrolments)
        .where(journey_enrolments.c.status == "active")
    )
    while True:
        with unit_of_work(engine) as uow:
            done = runner.run_due(uow, now=now_millis(), limit=batch)
        if done:
            continue
        with unit_of_work(engine, write=False) as uow:
            if uow.conn.execute(active).scalar_one() == 0:
                break
        time.sleep(0.02)  # the 1 s wait: nothing due yet
    engine.dispose()


def run(url: str, *, people: int, workers: int, batch: int) -> dict[str, Any]:
    _setup(url, people=people)
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers + 1)
    processes = [context.Process(target=_worker, args=(url, batch, ready)) for _ in range(workers)]
    for process in processes:
        process.start()
    ready.wait()  # process start-up (imports, connections) is not part of the figure
    started = time.perf_counter()
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    engine = make_engine(url)
    r = journey_runs.c
    with unit_of_work(engine, write=False) as uow:
        total = uow.conn.execute(select(func.count()).select_from(journey_runs)).scalar_one()
        twice = uow.conn.execute(
            select(func.count()).select_from(
                select(r.enrolment_id, r.step_id)
                .group_by(r.enrolment_id, r.step_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
    engine.dispose()
    assert twice == 0, f"{twice} steps ran twice"
    assert total == people * STEPS_PER_ENROLMENT, f"{total} runs, expected {people * 4}"
    return {"steps": total, "seconds": seconds, "steps_per_s": total / seconds, "twice": twice}


def report(*, people: int, workers: int, batch: int = 500, database: str = "postgresql") -> None:
    with fresh(database) as url:
        if url is None:
            return
        result = run(url, people=people, workers=workers, batch=batch)
    print(
        f"journey steps ({database}, {workers} workers, batch {batch}): "
        f"{result['steps']:,} steps in {result['seconds']:.2f} s = "
        f"{result['steps_per_s']:,.0f} steps/s; ran twice: {result['twice']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    report(people=args.contacts, workers=args.workers, batch=args.batch, database=args.database)


if __name__ == "__main__":
    main()
