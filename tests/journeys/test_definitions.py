"""Defining journeys: validation with paths (nothing written on rejection), versions, delete."""

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


def steps(*items: dict[str, Any]) -> dict[str, Any]:
    return {"triggers": [{"manual": True}], "steps": list(items)}


def errors_of(client: TestClient, body: Any, key: str = "bad") -> dict[str, str]:
    answer = put_journey(client, key, body, expect=400)
    return {e["field"]: e["message"] for e in answer["errors"]}


def test_graph_problems_are_reported_with_paths_and_nothing_is_stored(client: TestClient) -> None:
    apply_workspace(client)
    found = errors_of(
        client,
        steps(
            {"id": "a", "type": "send", "message": "nope", "next": "b"},
            {
                "id": "b",
                "type": "random",
                "branches": [
                    {"key": "x", "weight": 1, "next": "ghost"},
                    {"key": "y", "weight": 0, "next": "a"},
                ],
            },
            {"id": "c", "type": "add_to_list", "list": "no-such-list"},
        ),
    )
    assert "unknown message" in found["steps[0].message"]
    assert found["steps[1].branches[1].weight"] == "a positive number"
    assert "unknown static segment" in found["steps[2].list"]
    found = errors_of(
        client,
        steps(
            {"id": "a", "type": "set_trait", "traits": {"x": 1}, "next": "ghost"},
            {"id": "lonely", "type": "exit"},
        ),
    )
    assert found == {"steps[0].next": "unknown step 'ghost'"}
    found = errors_of(
        client,
        steps(
            {"id": "a", "type": "set_trait", "traits": {"x": 1}, "next": "b"},
            {"id": "b", "type": "exit"},
            {"id": "lonely", "type": "exit"},
        ),
    )
    assert found == {"steps[2]": "step 'lonely' cannot be reached from 'a'"}
    found = errors_of(
        client,
        steps(
            {"id": "a", "type": "set_trait", "traits": {"x": 1}, "next": "b"},
            {"id": "b", "type": "notify_owner", "next": "a"},
        ),
    )
    assert found == {"steps[0]": "cycle without a wait step: a -> b -> a"}
    found = errors_of(
        client, {"triggers": [{"segment_entered": "nope"}], "reentry": "twice", "steps": []}
    )
    assert set(found) == {"triggers[0].segment_entered", "reentry", "steps"}
    found = errors_of(
        client,
        steps(
            {
                "id": "a",
                "type": "condition",
                "condition": {"field": "nope", "op": "eq", "value": 1},
                "yes": "a",
                "no": "a",
            }
        ),
    )
    assert any(path.startswith("steps[0].condition") for path in found)
    assert client.get("/api/journeys").json()["items"] == []
    assert client.get("/api/journeys/bad").status_code == 404


def test_a_cycle_through_a_wait_is_allowed(client: TestClient) -> None:
    body = steps(
        {"id": "ping", "type": "notify_owner", "note": "still here", "next": "pause"},
        {"id": "pause", "type": "wait", "duration": "7d", "next": "ping"},
    )
    assert put_journey(client, "loop", body)["version"] == 1


def test_editing_a_live_journey_versions_it_and_enrolments_finish_their_version(
    client: TestClient,
) -> None:
    first = steps(
        {"id": "pause", "type": "wait", "duration": "1d", "next": "mark"},
        {"id": "mark", "type": "set_trait", "traits": {"version": 1}},
    )
    put_journey(client, "welcome", first)
    assert put_journey(client, "welcome", first)["change"] == "unchanged"
    early = new_contact(client, "early@example.com")
    (early_enrolment,) = enrol(client, "welcome", early)["enrolment_ids"]
    run_at(client)
    second = steps(
        {"id": "pause", "type": "wait", "duration": "1d", "next": "mark"},
        {"id": "mark", "type": "set_trait", "traits": {"version": 2}},
    )
    saved = put_journey(client, "welcome", second)
    assert (saved["version"], saved["change"]) == (2, "updated")
    late = new_contact(client, "late@example.com")
    enrol(client, "welcome", late)
    run_at(client)
    run_at(client, after_ms=DAY + 1000)
    assert client.get(f"/api/contacts/{early}").json()["traits"]["version"] == 1
    assert client.get(f"/api/contacts/{late}").json()["traits"]["version"] == 2
    assert enrolment_row(client, early_enrolment).status == "completed"
    assert client.get("/api/journeys/welcome").json()["version"] == 2


def test_deleting_a_journey_ends_the_enrolments_inside(client: TestClient) -> None:
    put_journey(client, "gone", steps({"id": "pause", "type": "wait", "duration": "3d"}))
    contact = new_contact(client, "someone@example.com")
    (enrolment_id,) = enrol(client, "gone", contact)["enrolment_ids"]
    run_at(client)
    answer = client.delete("/api/journeys/gone")
    assert answer.status_code == 200 and answer.json()["exited"] == 1
    row = enrolment_row(client, enrolment_id)
    assert (row.status, row.reason) == ("exited", "journey deleted")
    assert client.get("/api/journeys/gone").status_code == 404
    assert (
        client.post("/api/journeys/gone/enrol", json={"contact_ids": [contact]}).status_code == 404
    )
    assert runs(client, enrolment_id) == [("pause", "wait 3d")]


def test_reentry_once_keeps_a_contact_out_the_second_time(client: TestClient) -> None:
    put_journey(client, "once", steps({"id": "hi", "type": "notify_owner"}))
    contact = new_contact(client, "once@example.com")
    assert enrol(client, "once", contact)["enrolled"] == 1
    run_at(client)
    assert enrol(client, "once", contact) | {"enrolment_ids": []} == {
        "enrolled": 0,
        "skipped": 1,
        "enrolment_ids": [],
    }
    put_journey(
        client, "always", {**steps({"id": "hi", "type": "notify_owner"}), "reentry": "always"}
    )
    assert enrol(client, "always", contact)["enrolled"] == 1
    assert enrol(client, "always", contact)["enrolled"] == 0  # never twice at once
    run_at(client)
    assert enrol(client, "always", contact)["enrolled"] == 1
    bad = client.post("/api/journeys/once/enrol", json={"contact_ids": []})
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["field"].endswith(
        "contact_ids"
    )
