"""Segments through the API: built at once, moved by events, by time, and explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from cadence.db.types import to_millis
from cadence.scheduler import run_until_idle
from tests.helpers import call, contact_by, send

RECENT = {
    "key": "demo-requesters",
    "name": "Asked for a demo",
    "condition": {"event": "Demo Requested", "within_days": 30},
}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def history(client: TestClient, contact_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(f"/api/contacts/{contact_id}/segments/history").json()[
        "items"
    ]
    return items


def test_a_new_segment_is_built_from_existing_data(client: TestClient) -> None:
    now = datetime.now(UTC)
    send(
        client,
        call("track", userId="a", event="Demo Requested", timestamp=iso(now - timedelta(days=3))),
        call("track", userId="b", event="Demo Requested", timestamp=iso(now - timedelta(days=45))),
        call("track", userId="c", event="Page Viewed", timestamp=iso(now)),
    )
    created = client.post("/api/segments", json=RECENT)
    assert created.status_code == 201, created.text
    assert created.json()["rebuild"] == [
        {"key": "demo-requesters", "entered": 1, "exited": 0, "members": 1}
    ]
    members = client.get("/api/segments/demo-requesters/members").json()["items"]
    assert [m["user_id"] for m in members] == ["a"]
    assert contact_by(client, user_id="a")["segments"] == ["demo-requesters"]
    assert client.get("/api/segments/demo-requesters").json()["size"] == 1


def test_events_move_people_in_and_time_moves_them_out(client: TestClient) -> None:
    assert client.post("/api/segments", json=RECENT).status_code == 201
    now = datetime.now(UTC)
    send(client, call("identify", userId="d"))
    send(
        client,
        call("track", userId="d", event="Demo Requested", timestamp=iso(now - timedelta(days=10))),
    )
    contact = contact_by(client, user_id="d")
    assert contact["segments"] == ["demo-requesters"]
    [stay] = history(client, contact["id"])
    assert stay["exited_at"] is None
    assert stay["entered_because"]["cause"] == "events: Demo Requested"
    assert stay["entered_because"]["changed"] == [""]
    assert stay["entered_because"]["leaves"][0]["value"] is True
    engine = client.app.state.engine  # type: ignore[attr-defined]
    nothing_yet = run_until_idle(engine, now=to_millis(now + timedelta(days=19)))
    assert nothing_yet.exited == 0
    later = run_until_idle(engine, now=to_millis(now + timedelta(days=21)))
    assert later.exited == 1
    assert contact_by(client, user_id="d")["segments"] == []
    [stay] = history(client, contact["id"])
    assert stay["exited_because"]["cause"] == "time passed"
    assert stay["exited_at"] is not None


def test_account_traits_move_every_contact_of_the_account(client: TestClient) -> None:
    segment = {
        "key": "enterprise-emea",
        "condition": {
            "all": [
                {"field": "traits.country", "op": "in", "value": ["DE", "FR", "GB"]},
                {"field": "account.employees", "op": "gte", "value": 1000},
            ]
        },
    }
    assert client.post("/api/segments", json=segment).status_code == 201
    send(
        client,
        call("identify", userId="e1", traits={"country": "DE"}),
        call("identify", userId="e2", traits={"country": "US"}),
        call("group", userId="e1", groupId="big", traits={"employees": 500}),
        call("group", userId="e2", groupId="big"),
    )
    assert contact_by(client, user_id="e1")["segments"] == []
    send(client, call("group", userId="e2", groupId="big", traits={"employees": 5000}))
    e1 = contact_by(client, user_id="e1")
    assert e1["segments"] == ["enterprise-emea"]
    assert contact_by(client, user_id="e2")["segments"] == []
    [stay] = history(client, e1["id"])
    assert stay["entered_because"]["changed"] == ["all[1]"]


def test_segments_of_segments_follow(client: TestClient) -> None:
    base = {"key": "buyers", "condition": {"field": "purchases.count", "op": "gte", "value": 1}}
    vip = {
        "key": "vip",
        "condition": {
            "all": [{"segment": "buyers"}, {"field": "traits.tier", "op": "eq", "value": "gold"}]
        },
    }
    assert client.post("/api/segments", json=base).status_code == 201
    assert client.post("/api/segments", json=vip).status_code == 201
    send(client, call("identify", userId="v", traits={"tier": "gold"}))
    assert contact_by(client, user_id="v")["segments"] == []
    send(client, call("track", userId="v", event="Order Completed", properties={"revenue": 5}))
    assert contact_by(client, user_id="v")["segments"] == ["buyers", "vip"]


def test_invalid_definitions_are_refused_with_their_path(client: TestClient) -> None:
    bad_field = client.post(
        "/api/segments",
        json={"key": "x", "condition": {"all": [{"field": "nope", "op": "eq", "value": 1}]}},
    )
    assert bad_field.status_code == 400
    assert bad_field.json()["errors"][0]["field"].startswith("condition.all[0].field")
    bad_op = client.post(
        "/api/segments",
        json={"key": "x", "condition": {"field": "traits.a", "op": "near", "value": 1}},
    )
    assert bad_op.json()["errors"][0]["field"] == "condition.op"
    bad_regex = client.post(
        "/api/segments",
        json={"key": "x", "condition": {"field": "traits.a", "op": "matches", "value": "("}},
    )
    assert bad_regex.status_code == 400
    assert (
        client.post("/api/segments", json={"key": "a", "condition": {"segment": "b"}}).status_code
        == 400
    )
    assert (
        client.post(
            "/api/segments",
            json={"key": "a", "condition": {"field": "score", "op": "gte", "value": 1}},
        ).status_code
        == 201
    )
    assert client.put("/api/segments/b", json={"condition": {"segment": "a"}}).status_code == 200
    cycle = client.put("/api/segments/a", json={"condition": {"segment": "b"}})
    assert cycle.status_code == 400
    assert "cycle" in cycle.json()["errors"][0]["message"]
    assert (
        client.post("/api/segments", json={"key": "Bad Key", "static": True}).json()["errors"][0][
            "field"
        ]
        == "key"
    )
    in_use = client.delete("/api/segments/a")
    assert in_use.status_code == 409
    assert [s["key"] for s in client.get("/api/segments").json()["items"]] == ["a", "b"]


def test_preview_counts_without_saving(client: TestClient) -> None:
    send(
        client,
        *[
            call("identify", userId=f"p{i}", traits={"plan": "pro" if i % 2 else "free"})
            for i in range(6)
        ],
    )
    answer = client.post(
        "/api/segments/preview",
        json={"condition": {"field": "traits.plan", "op": "eq", "value": "pro"}, "sample": 2},
    ).json()
    assert answer["count"] == 3
    assert [c["traits"]["plan"] for c in answer["sample"]] == ["pro", "pro"]
    assert client.get("/api/segments").json()["items"] == []
    refused = client.post(
        "/api/segments/preview", json={"condition": {"field": "traits.plan", "op": "gt"}}
    )
    assert refused.status_code == 400


def test_static_lists(client: TestClient) -> None:
    send(client, call("identify", userId="s1"), call("identify", userId="s2"))
    ids = [contact_by(client, user_id=u)["id"] for u in ("s1", "s2")]
    assert client.post("/api/segments", json={"key": "vip-list", "static": True}).status_code == 201
    assert client.post("/api/segments/vip-list/members", json={"contact_ids": ids}).json() == {
        "added": 2
    }
    assert client.post("/api/segments/vip-list/members", json={"contact_ids": ids}).json() == {
        "added": 0
    }
    assert client.post(
        "/api/segments/vip-list/members/remove", json={"contact_ids": ids[:1]}
    ).json() == {"removed": 1}
    assert contact_by(client, user_id="s2")["segments"] == ["vip-list"]
    assert (
        client.post("/api/segments/vip-list/members", json={"contact_ids": [999999]}).status_code
        == 400
    )
    stays = history(client, ids[0])
    assert stays[0]["exited_because"]["cause"] == "removed from the list"
    sizes = client.get("/api/segments/vip-list/sizes", params={"days": 3}).json()["items"]
    assert [s["size"] for s in sizes] == [0, 0, 1]


def test_merged_contacts_keep_their_lists(client: TestClient) -> None:
    send(client, call("identify", anonymousId="m-anon"))
    anon_id = contact_by(client, anonymous_id="m-anon")["id"]
    assert client.post("/api/segments", json={"key": "early", "static": True}).status_code == 201
    client.post("/api/segments/early/members", json={"contact_ids": [anon_id]})
    send(client, call("identify", userId="m-user"))
    send(client, call("identify", userId="m-user", anonymousId="m-anon"))
    assert contact_by(client, user_id="m-user")["segments"] == ["early"]


def test_static_list_from_csv(client: TestClient) -> None:
    send(
        client,
        call("identify", userId="c1", traits={"email": "one@x.io"}),
        call("identify", userId="c2", traits={"email": "two@x.io"}),
    )
    assert client.post("/api/segments", json={"key": "csv-list", "static": True}).status_code == 201
    body = "Email,Name\nONE@x.io,One\nnobody@x.io,Nobody\n,Empty\ntwo@x.io,Two\n"
    answer = client.post(
        "/api/segments/csv-list/members/import",
        files={"file": ("l.csv", body.encode(), "text/csv")},
    ).json()
    assert answer["matched"] == 2 and answer["moved"] == 2
    assert answer["errors"] == [
        {"line": 3, "reason": "no contact with email 'nobody@x.io'"},
        {"line": 4, "reason": "no email"},
    ]
    removal = client.post(
        "/api/segments/csv-list/members/import",
        files={"file": ("l.csv", b"user_id\nc2\n", "text/csv")},
        data={"remove": "true"},
    ).json()
    assert removal["moved"] == 1
    assert contact_by(client, user_id="c1")["segments"] == ["csv-list"]
    assert contact_by(client, user_id="c2")["segments"] == []
