"""Send steps of one runner pass go to the gate together (``sending.batch``): each
run row, each enrolment's finish and each send job say what happened to that send."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.db.engine import unit_of_work
from cadence.db.tables import send_jobs, sends
from cadence.messages import store as messages
from cadence.runtime import now_millis
from cadence.sending.batch import enqueue_keyed
from tests.consent.apihelp import consent
from tests.journeys.helpers import (
    apply_workspace,
    engine_of,
    enrol,
    enrolment_row,
    new_contact,
    put_journey,
    run_at,
    runs,
)

TWO_SENDS = {
    "triggers": [{"manual": True}],
    "reentry": "always",
    "steps": [
        {"id": "first", "type": "send", "message": "follow-up", "next": "second"},
        {"id": "second", "type": "send", "message": "guide"},
    ],
}


def _jobs(client: TestClient) -> dict[str, str]:
    j = send_jobs.c
    with engine_of(client).connect() as conn:
        return {str(k): str(s) for k, s in conn.execute(select(j.idempotency_key, j.state))}


def test_a_pass_of_sends_labels_each_run_with_its_own_outcome(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "pair", TWO_SENDS)
    yes = new_contact(client, "yes@example.com")
    no = new_contact(client, "no@example.com")
    consent(client, yes, channel="email", topic="offers")
    twice = (
        enrol(client, "pair", yes)["enrolment_ids"] + enrol(client, "pair", yes)["enrolment_ids"]
    )
    (refused,) = enrol(client, "pair", no)["enrolment_ids"]
    run_at(client)
    jobs = _jobs(client)
    for enrolment_id in [*twice, refused]:
        done = runs(client, enrolment_id)
        assert [step for step, _ in done] == ["first", "second"]
        for step, label in done:
            message, _, status = label.partition(": ")
            key = f"journey:pair:v1:{enrolment_id}:{step}:1"
            assert message == ("follow-up" if step == "first" else "guide")
            assert jobs[key] == status.partition(":")[0]  # queued, blocked or deferred
        assert enrolment_row(client, enrolment_id).reason == done[-1][1]
    assert all(label.endswith("blocked: no_consent") for _, label in runs(client, refused))
    with engine_of(client).connect() as conn:
        booked = conn.execute(select(func.count()).select_from(sends)).scalar_one()
    assert booked == sum(1 for state in jobs.values() if state == "queued") >= 1
    run_at(client)  # nothing is due any more: nothing is sent twice
    assert _jobs(client) == jobs


def test_a_key_repeated_in_a_batch_is_a_duplicate_of_its_first(client: TestClient) -> None:
    apply_workspace(client)
    yes = new_contact(client, "yes@example.com")
    no = new_contact(client, "no@example.com")
    consent(client, yes, channel="email", topic="offers")
    items = [(yes, "k:1"), (yes, "k:1"), (no, "k:2")]
    with unit_of_work(engine_of(client)) as uow:
        message = messages.get(uow, "follow-up").message
        first = enqueue_keyed(uow, items=items, message=message, source="test", at=now_millis())
    assert [r.status for r in first] == ["queued", "duplicate", "blocked"]
    assert first[1].job_id == first[0].job_id and first[0].send_id is not None
    with unit_of_work(engine_of(client)) as uow:
        again = enqueue_keyed(uow, items=items, message=message, source="test", at=now_millis())
    assert [r.status for r in again] == ["duplicate"] * 3
    assert [r.job_id for r in again] == [r.job_id for r in first]
