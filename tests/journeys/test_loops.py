"""A loop back to a send step sends once per visit (the visit number is in the send's key),
while re-running the same visit, after a crash or by hand, still books one send."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from cadence.db.engine import unit_of_work
from cadence.db.tables import journey_due, journey_runs, send_jobs, sends
from cadence.journeys import graph, runner
from cadence.journeys.config import parse_section
from cadence.runtime import now_millis
from tests.consent.apihelp import consent
from tests.journeys.helpers import (
    HOUR,
    apply_workspace,
    engine_of,
    enrol,
    new_contact,
    put_journey,
    run_at,
    runs,
)

LOOP: dict[str, Any] = {
    "triggers": [{"manual": True}],
    "steps": [
        {"id": "mail", "type": "send", "message": "follow-up", "next": "pause"},
        {"id": "pause", "type": "wait", "duration": "1h", "next": "check"},
        {
            "id": "check",
            "type": "condition",
            "condition": {"field": "traits.replied", "op": "eq", "value": True},
            "yes": "done",
            "no": "mail",
        },
        {"id": "done", "type": "exit"},
    ],
}


def booked(client: TestClient, contact_id: int) -> list[str]:
    """Idempotency keys of the contact's send jobs that booked a send, oldest first."""
    j = send_jobs.c
    with engine_of(client).connect() as conn:
        booked_ids = set(conn.scalars(select(sends.c.idempotency_key)))
        keys = conn.scalars(
            select(j.idempotency_key).where(j.contact_id == contact_id).order_by(j.id)
        )
        return [str(k) for k in keys if k in booked_ids]


def loop_once_more(client: TestClient, contact_id: int, enrolment_id: int) -> None:
    """Two visits of ``mail``: the first now, the second after the wait."""
    consent(client, contact_id, channel="email", topic="offers")
    run_at(client)
    run_at(client, after_ms=HOUR + 1000)
    assert [s for s, _ in runs(client, enrolment_id)] == ["mail", "pause", "check", "mail", "pause"]


def test_only_steps_on_a_cycle_are_counted_per_visit() -> None:
    (journey,), errors = parse_section([{"key": "loop", **LOOP}])
    assert errors == []
    assert graph.on_cycle(journey.steps) == {"mail", "pause", "check"}


def test_each_visit_of_a_send_step_on_a_loop_is_its_own_send(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "loop", LOOP)
    ann = new_contact(client, "ann@example.com")
    (eid,) = enrol(client, "loop", ann)["enrolment_ids"]
    loop_once_more(client, ann, eid)
    prefix = f"journey:loop:v1:{eid}:mail"
    assert booked(client, ann) == [f"{prefix}:1", f"{prefix}:2"]
    labels = [label for step, label in runs(client, eid) if step == "mail"]
    assert labels == ["follow-up: queued", "follow-up: queued"]


def test_a_rerun_of_the_same_visit_books_no_second_send(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "loop", LOOP)
    bo = new_contact(client, "bo@example.com")
    (eid,) = enrol(client, "loop", bo)["enrolment_ids"]
    loop_once_more(client, bo, eid)
    r, d = journey_runs.c, journey_due.c
    with unit_of_work(engine_of(client)) as uow:  # put the enrolment back before visit 2
        visits = uow.conn.scalars(
            select(r.seq).where(r.enrolment_id == eid, r.step_id == "mail").order_by(r.seq)
        )
        seq = list(visits)[-1]
        assert seq == 3
        uow.conn.execute(delete(journey_runs).where(r.enrolment_id == eid, r.seq >= seq))
        uow.conn.execute(
            update(journey_due)
            .where(d.enrolment_id == eid)
            .values(step_id="mail", seq=seq, due_at=now_millis(), waiting_for=None)
        )
    run_at(client)
    assert runs(client, eid)[3] == ("mail", "follow-up: duplicate")
    prefix = f"journey:loop:v1:{eid}:mail"
    assert booked(client, bo) == [f"{prefix}:1", f"{prefix}:2"]


def test_a_pass_rolled_back_by_a_crash_sends_the_visit_once_on_retry(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "loop", LOOP)
    cy = new_contact(client, "cy@example.com")
    consent(client, cy, channel="email", topic="offers")
    (eid,) = enrol(client, "loop", cy)["enrolment_ids"]
    run_at(client)
    later = now_millis() + HOUR + 1000
    with pytest.raises(RuntimeError), unit_of_work(engine_of(client)) as uow:
        assert runner.run_due(uow, now=later) == 3  # check, mail (visit 2), pause
        raise RuntimeError("the worker dies before its commit")
    assert len(booked(client, cy)) == 1
    with unit_of_work(engine_of(client)) as uow:
        runner.run_due(uow, now=later)
    prefix = f"journey:loop:v1:{eid}:mail"
    assert booked(client, cy) == [f"{prefix}:1", f"{prefix}:2"]
