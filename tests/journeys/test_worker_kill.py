"""Kill a real ``cadence worker`` (SIGKILL) in the middle of running journeys, restart it,
and check that no step was lost and none ran twice, and that every send was booked once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts, journey_enrolments, journey_runs, outbox, send_jobs
from tests.consent.apihelp import consent
from tests.helpers import call, send
from tests.journeys.helpers import apply_workspace, engine_of, enrol, put_journey

PEOPLE = 600  # three scheduler batches of 200: the kill lands while a later one runs
STEPS = ["note", "mail", "pause", "mark", "done"]
JOURNEY = {
    "triggers": [{"manual": True}],
    "steps": [
        {"id": "note", "type": "notify_owner", "note": "new lead", "next": "mail"},
        {"id": "mail", "type": "send", "message": "follow-up", "next": "pause"},
        {"id": "pause", "type": "wait", "duration": "1s", "next": "mark"},
        {"id": "mark", "type": "set_trait", "traits": {"walked": True}, "next": "done"},
        {"id": "done", "type": "exit"},
    ],
}


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CADENCE_DATABASE_URL": settings.database_url,
        "CADENCE_SECRET_KEY": settings.secret_key,
    }
    cli = Path(sys.executable).with_name("cadence")
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(cli), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling a real condition, not synchronising on time


def count(engine: Engine, query: Any) -> int:
    with unit_of_work(engine, write=False) as uow:  # a reader never waits for the worker
        return int(uow.conn.execute(query).scalar_one())


def test_sigkill_mid_run_loses_and_repeats_no_step(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    apply_workspace(client)
    put_journey(client, "walk", JOURNEY)
    send(client, *[call("identify", userId=f"w{i}", traits={"n": i}) for i in range(PEOPLE)])
    engine = engine_of(client)
    with engine.connect() as conn:
        ids = [int(i) for i in conn.scalars(select(contacts.c.id))]
    for person in ids[:10]:  # some may be mailed, the others are blocked by the gate
        consent(client, person, channel="email", topic="offers")
    enrol(client, "walk", *ids)
    runs_done = select(func.count()).select_from(journey_runs)
    log = tmp_path / "worker.log"
    worker = start_worker(settings, log)
    try:
        wait_for(lambda: count(engine, runs_done) > 0, seconds=300, what="the first runs")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    killed_at = count(engine, runs_done)
    assert killed_at < PEOPLE * len(STEPS), "the worker finished before it was killed"
    worker = start_worker(settings, log)
    e = journey_enrolments.c
    active = select(func.count()).select_from(journey_enrolments).where(e.status == "active")
    try:
        wait_for(lambda: count(engine, active) == 0, seconds=900, what="every enrolment to end")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    r = journey_runs.c
    with engine.connect() as conn:
        walked: dict[int, list[str]] = {}
        for enrolment_id, step_id in conn.execute(
            select(r.enrolment_id, r.step_id).order_by(r.enrolment_id, r.seq)
        ):
            walked.setdefault(int(enrolment_id), []).append(str(step_id))
        statuses = Counter(conn.scalars(select(e.status)))
        jobs = Counter(conn.scalars(select(send_jobs.c.contact_id)))
        notes = Counter(
            conn.scalars(
                select(outbox.c.contact_id).where(outbox.c.topic == "journey.notify_owner")
            )
        )
    assert statuses == {"completed": PEOPLE}
    assert len(walked) == PEOPLE and all(steps == STEPS for steps in walked.values())
    assert jobs == dict.fromkeys(ids, 1)
    assert notes == dict.fromkeys(ids, 1)
    print(f"killed after {killed_at} of {PEOPLE * len(STEPS)} step runs; {log.read_text()[-300:]}")
