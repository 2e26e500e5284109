"""Journey scheduler throughput: due journey steps per second on PostgreSQL with two
worker processes claiming with FOR UPDATE SKIP LOCKED, checking that no step ran twice.

    python -m bench.journeys --contacts 20000 --workers 2

The journey: a random split, a 1-second wait, a second random split, exit (4 steps per
enrolment; the wait makes every enrolment go back through the due table once).

    python -m bench.journeys --sends 2000 --database postgresql

Send steps instead: opted-in contacts enrolled in a one-step journey (send a message), run
by one process with ``runner.run_due`` (``--batch`` due rows per transaction); prints sends/s,
milliseconds per send and SQL statements per send (every send step goes through the gate).
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
from cadence.db.tables import contacts, journey_enrolments, journey_runs, send_jobs
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


def run_sends(url: str, *, people: int, batch: int) -> dict[str, Any]:
    """One process running a pass of send steps at a time; see the module's docstring."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from bench import campaign
    from cadence.api.app import create_app
    from cadence.config import Settings

    settings = Settings(
        database_url=url,
        secret_key=campaign.SECRET,
        bootstrap_admin_key=campaign.ADMIN,
        bootstrap_write_key=campaign.WRITE,
        run_scheduler=False,
    )
    campaign._populate(settings, people, key="audience-0")
    step = {"id": "mail", "type": "send", "message": "spring"}
    journey = {"triggers": [{"manual": True}], "steps": [step]}
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {campaign.ADMIN}"
        assert client.put("/api/journeys/mail", json=journey).status_code == 200
        with unit_of_work(client.app.state.engine, write=False) as uow:  # type: ignore[attr-defined]
            ids = list(uow.conn.scalars(select(contacts.c.id)))
        for start in range(0, len(ids), 1000):
            chunk = {"contact_ids": ids[start : start + 1000]}
            assert client.post("/api/journeys/mail/enrol", json=chunk).status_code == 200
    engine = make_engine(url)
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    while True:
        with unit_of_work(engine) as uow:
            if not runner.run_due(uow, now=now_millis(), limit=batch):
                break
    seconds = time.perf_counter() - started
    with unit_of_work(engine, write=False) as uow:
        jobs = uow.conn.execute(select(func.count()).select_from(send_jobs)).scalar_one()
    engine.dispose()
    assert jobs == people, f"{jobs} send jobs for {people} enrolments"
    return {
        "sends": people,
        "per_s": people / seconds,
        "ms_per_send": seconds * 1000 / people,
        "statements_per_send": statements[0] / people,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--sends", type=int, default=0, help="measure send steps instead")
    args = parser.parse_args()
    if args.sends:
        with fresh(args.database) as url:
            if url is not None:
                row = run_sends(url, people=args.sends, batch=args.batch)
                print(f"journey send steps ({args.database}, batch {args.batch}): {row}")
        return
    report(people=args.contacts, workers=args.workers, batch=args.batch, database=args.database)


if __name__ == "__main__":
    main()
