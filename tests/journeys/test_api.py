"""Journeys through the HTTP API: definition, versions, enrolment, steps and analytics."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.journeys.helpers import (
    DAY,
    apply_workspace,
    enrol,
    enrolment_row,
    new_contact,
    put_journey,
    run_at,
    runs,
)

NURTURE: dict[str, Any] = {
    "name": "Nurture",
    "triggers": [{"manual": True}],
    "reentry": "once",
    "steps": [
        {"id": "hello", "type": "set_trait", "traits": {"nurtured": True}, "next": "pause"},
        {"id": "pause", "type": "wait", "duration": "2d", "next": "check"},
        {
            "id": "check",
            "type": "condition",
            "condition": {"field": "traits.hot", "op": "eq", "value": True},
            "yes": "sales",
            "no": "done",
        },
        {"id": "sales", "type": "lifecycle", "stage": "mql", "next": "done"},
        {"id": "done", "type": "exit"},
    ],
}


def test_a_journey_walks_its_steps_waits_and_splits(client: TestClient) -> None:
    apply_workspace(client)
    saved = put_journey(client, "nurture", NURTURE)
    assert (saved["version"], saved["change"]) == (1, "created")
    hot = new_contact(client, "hot@example.com", hot=True)
    cold = new_contact(client, "cold@example.com")
    enrolled = enrol(client, "nurture", hot, cold)
    assert enrolled["enrolled"] == 2
    first, second = enrolled["enrolment_ids"]
    run_at(client)
    assert runs(client, first) == [("hello", "set nurtured"), ("pause", "wait 2d")]
    assert client.get(f"/api/contacts/{hot}").json()["traits"]["nurtured"] is True
    run_at(client, after_ms=DAY)  # still waiting
    assert len(runs(client, first)) == 2
    run_at(client, after_ms=2 * DAY + 1000)
    assert [s for s, _ in runs(client, first)] == ["hello", "pause", "check", "sales", "done"]
    assert [s for s, _ in runs(client, second)] == ["hello", "pause", "check", "done"]
    assert enrolment_row(client, first).status == "completed"
    assert client.get(f"/api/contacts/{hot}").json()["lifecycle_stage"] == "mql"
    stats = client.get("/api/journeys/nurture/stats").json()
    steps = {s["id"]: s for s in stats["steps"]}
    assert (steps["check"]["passed"], steps["sales"]["passed"]) == (2, 1)
    assert stats["enrolments"]["completed"] == 2
    assert set(stats["variants"]) == {"check:yes", "check:no"}
