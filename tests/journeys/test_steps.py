"""Each step type through the API: sends through the gate, adaptive choice, lists, owner
notification, random splits, goal steps and the best-time wait."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.db.tables import outbox, segment_members, send_jobs
from tests.consent.apihelp import consent
from tests.journeys.helpers import (
    DAY,
    apply_workspace,
    engine_of,
    enrol,
    enrolment_row,
    new_contact,
    put_journey,
    run_at,
    runs,
)


def manual(*items: dict[str, Any]) -> dict[str, Any]:
    return {"triggers": [{"manual": True}], "reentry": "always", "steps": list(items)}


def jobs(client: TestClient) -> list[tuple[int, str, str]]:
    j = send_jobs.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(select(j.contact_id, j.message_key, j.idempotency_key).order_by(j.id))
        return [(int(a), str(b), str(c)) for a, b, c in rows]


def test_send_goes_through_the_gate_once_per_enrolment_and_step(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(client, "mail", manual({"id": "mail", "type": "send", "message": "follow-up"}))
    yes = new_contact(client, "yes@example.com")
    no = new_contact(client, "no@example.com")
    consent(client, yes, channel="email", topic="offers")
    ids = enrol(client, "mail", yes, no)["enrolment_ids"]
    run_at(client)
    assert runs(client, ids[0]) == [("mail", "follow-up: queued")]
    assert runs(client, ids[1])[0][1].startswith("follow-up: blocked")
    assert jobs(client)[0] == (yes, "follow-up", f"journey:mail:v1:{ids[0]}:mail:1")


def test_adaptive_step_chooses_among_options_that_pass_the_gate(client: TestClient) -> None:
    apply_workspace(client)
    body = manual(
        {
            "id": "pick",
            "type": "adaptive",
            "options": [{"key": "a", "message": "follow-up"}, {"key": "b", "message": "guide"}],
            "reward": {"event": "Demo Requested", "within": "7d"},
        }
    )
    put_journey(client, "adaptive", body)
    people = [new_contact(client, f"p{i}@example.com") for i in range(4)]
    for person in people[:3]:
        consent(client, person, channel="email", topic="offers")
    ids = enrol(client, "adaptive", *people)["enrolment_ids"]
    run_at(client)
    chosen = [runs(client, i)[0][1] for i in ids]
    assert all(label.startswith("chose ") and label.endswith("queued") for label in chosen[:3])
    assert chosen[3] == "no option passes the send gate"
    assert {m for _, m, _ in jobs(client)} <= {"follow-up", "guide"} and len(jobs(client)) == 3
    variants = client.get("/api/journeys/adaptive/stats").json()["variants"]
    assert sum(v["entered"] for v in variants.values()) == 3


def test_lists_owner_notes_and_lifecycle(client: TestClient) -> None:
    apply_workspace(client)
    body = manual(
        {"id": "list", "type": "add_to_list", "list": "vip-list", "next": "tell"},
        {"id": "tell", "type": "notify_owner", "note": "call them", "next": "stage"},
        {"id": "stage", "type": "lifecycle", "stage": "sql"},
    )
    put_journey(client, "vip", body)
    ivy = new_contact(client, "ivy@example.com")
    (eid,) = enrol(client, "vip", ivy)["enrolment_ids"]
    run_at(client)
    assert [s for s, _ in runs(client, eid)] == ["list", "tell", "stage"]
    with engine_of(client).connect() as conn:
        members = list(conn.scalars(select(segment_members.c.contact_id)))
        notes = list(
            conn.scalars(select(outbox.c.payload).where(outbox.c.topic == "journey.notify_owner"))
        )
    assert members == [ivy]
    assert notes[0]["note"] == "call them" and notes[0]["journey"] == "vip"
    assert client.get(f"/api/contacts/{ivy}").json()["lifecycle_stage"] == "sql"


def test_random_split_is_fixed_per_enrolment_and_counted_per_variant(client: TestClient) -> None:
    body = manual(
        {
            "id": "split",
            "type": "random",
            "branches": [
                {"key": "a", "weight": 1, "next": "goal"},
                {"key": "b", "weight": 3, "next": "goal"},
            ],
        },
        {
            "id": "goal",
            "type": "goal",
            "condition": {"field": "traits.won", "op": "eq", "value": True},
        },
    )
    put_journey(client, "split", body)
    people = [new_contact(client, f"s{i}@example.com", won=i % 2 == 0) for i in range(40)]
    ids = enrol(client, "split", *people)["enrolment_ids"]
    run_at(client)
    stats = client.get("/api/journeys/split/stats").json()
    variants = stats["variants"]
    assert variants["split:a"]["entered"] + variants["split:b"]["entered"] == 40
    assert variants["split:a"]["entered"] > 0 and variants["split:b"]["entered"] > 0
    assert stats["conversion"]["converted"] == 20
    paths = {p: v["entered"] for p, v in stats["paths"].items()}
    assert paths == {
        "split:a": variants["split:a"]["entered"],
        "split:b": variants["split:b"]["entered"],
    }
    for eid in ids:
        row = enrolment_row(client, eid)
        assert row.status in ("converted", "completed")


def test_best_time_wait_stays_inside_its_window(client: TestClient) -> None:
    body = manual(
        {"id": "when", "type": "wait", "best_time": "2d", "next": "tell"},
        {"id": "tell", "type": "notify_owner"},
    )
    put_journey(client, "timely", body)
    kim = new_contact(client, "kim@example.com")
    (eid,) = enrol(client, "timely", kim)["enrolment_ids"]
    run_at(client)
    assert runs(client, eid)[0][1].startswith("best time ")
    run_at(client, after_ms=2 * DAY + 1000)
    assert [s for s, _ in runs(client, eid)] == ["when", "tell"]


def test_a_failing_step_ends_only_its_enrolment(client: TestClient) -> None:
    apply_workspace(client)
    body = manual(
        {"id": "pause", "type": "wait", "duration": "1h", "next": "list"},
        {"id": "list", "type": "add_to_list", "list": "vip-list"},
    )
    put_journey(client, "fragile", body)
    put_journey(client, "sturdy", manual({"id": "tell", "type": "notify_owner"}))
    lee = new_contact(client, "lee@example.com")
    (broken,) = enrol(client, "fragile", lee)["enrolment_ids"]
    run_at(client)
    assert client.delete("/api/segments/vip-list").status_code in (200, 204)
    (fine,) = enrol(client, "sturdy", lee)["enrolment_ids"]
    run_at(client, after_ms=DAY)
    assert runs(client, broken)[1][1].startswith("failed: ")
    assert enrolment_row(client, broken).status == "exited"
    assert enrolment_row(client, fine).status == "completed"


def test_a_goal_condition_converts_as_soon_as_the_profile_reaches_it(client: TestClient) -> None:
    body = {
        **manual(
            {"id": "pause", "type": "wait", "duration": "1d", "next": "tell"},
            {"id": "tell", "type": "notify_owner"},
        ),
        "goal": {"condition": {"field": "traits.won", "op": "eq", "value": True}},
    }
    put_journey(client, "win", body)
    won = new_contact(client, "won@example.com")
    lost = new_contact(client, "lost@example.com")
    first, second = enrol(client, "win", won, lost)["enrolment_ids"]
    run_at(client)
    assert client.patch(f"/api/contacts/{won}", json={"traits": {"won": True}}).status_code == 200
    assert enrolment_row(client, first).status == "converted"  # before any scheduler pass
    run_at(client, after_ms=DAY + 1000)
    assert (enrolment_row(client, first).status, runs(client, first)) == (
        "converted",
        [("pause", "wait 1d")],
    )
    assert [s for s, _ in runs(client, second)] == ["pause", "tell"]
