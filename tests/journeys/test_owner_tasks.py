"""Notify-owner steps: a real follow-up task for the sales owner (the phone channel's task
list), the outbox event kept, and nothing sent to, or asked of the gate for, the contact."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.db.tables import gate_decisions, outbox, send_jobs, sends
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

TELL: dict[str, Any] = {
    "triggers": [{"manual": True}],
    "steps": [{"id": "tell", "type": "notify_owner", "note": "Asked about pricing: call today"}],
}


def give_owner(client: TestClient, contact_id: int, owner: str) -> None:
    answer = client.put(f"/api/contacts/{contact_id}/owner", json={"owner": owner})
    assert answer.status_code == 200, answer.text


def count(client: TestClient, table: Any) -> int:
    with engine_of(client).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_owner_gets_a_task_naming_the_journey_step_and_contact(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "pricing", TELL)
    owned = new_contact(client, "owned@example.com", name="Oda Owned")
    give_owner(client, owned, "sam@corp.example")
    (eid,) = enrol(client, "pricing", owned)["enrolment_ids"]
    run_at(client)
    (task,) = client.get("/api/tasks", params={"kind": "follow_up"}).json()["items"]
    assert (task["owner"], task["contact_id"], task["status"]) == (
        "sam@corp.example",
        owned,
        "open",
    )
    assert task["body"] == "Asked about pricing: call today"
    assert task["details"] == {
        "journey": "pricing",
        "version": 1,
        "step": "tell",
        "enrolment_id": eid,
        "name": "Oda Owned",
    }
    assert task["send_id"] is None and task["message_key"] is None
    assert runs(client, eid) == [("tell", f"task {task['id']} for sam@corp.example")]
    mine = client.get("/api/tasks", params={"owner": "sam@corp.example"}).json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]
    done = client.post(f"/api/tasks/{task['id']}/complete", json={"outcome": "called"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    with engine_of(client).connect() as conn:
        (payload,) = conn.scalars(
            select(outbox.c.payload).where(outbox.c.topic == "journey.notify_owner")
        )
    assert payload["task_id"] == task["id"] and payload["owner"] == "sam@corp.example"


def test_notifying_staff_never_touches_the_contacts_send_gate(client: TestClient) -> None:
    """The contact consented to nothing: a message would be blocked, the task is not."""
    apply_workspace(client)
    put_journey(client, "pricing", TELL)
    quiet = new_contact(client, "quiet@example.com")
    give_owner(client, quiet, "sam@corp.example")
    (eid,) = enrol(client, "pricing", quiet)["enrolment_ids"]
    run_at(client)
    assert len(client.get("/api/tasks", params={"kind": "follow_up"}).json()["items"]) == 1
    assert enrolment_row(client, eid).status == "completed"
    assert (count(client, sends), count(client, send_jobs), count(client, gate_decisions)) == (
        0,
        0,
        0,
    )


def test_a_contact_without_owner_is_said_so_and_the_journey_goes_on(client: TestClient) -> None:
    apply_workspace(client)
    body = {
        "triggers": [{"manual": True}],
        "steps": [
            {"id": "tell", "type": "notify_owner", "next": "mark"},
            {"id": "mark", "type": "set_trait", "traits": {"told": True}},
        ],
    }
    put_journey(client, "orphans", body)
    nobody = new_contact(client, "nobody@example.com")
    (eid,) = enrol(client, "orphans", nobody)["enrolment_ids"]
    run_at(client)
    assert runs(client, eid) == [
        ("tell", "no owner: nobody to notify, no task created"),
        ("mark", "set told"),
    ]
    assert enrolment_row(client, eid).status == "completed"
    assert client.get("/api/tasks", params={"kind": "follow_up"}).json()["items"] == []
    with engine_of(client).connect() as conn:
        (payload,) = conn.scalars(
            select(outbox.c.payload).where(
                outbox.c.contact_id == nobody, outbox.c.topic == "journey.notify_owner"
            )
        )
    assert (payload["owner"], payload["task_id"]) == (None, None)
