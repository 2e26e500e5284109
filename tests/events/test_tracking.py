"""The Segment-compatible tracking API, driven over HTTP as the SDKs drive it."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.db.tables import events
from tests.conftest import WRITE_KEY
from tests.helpers import call, contact_by, send


def event_count(client: TestClient) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_identify_and_track_build_one_profile(client: TestClient) -> None:
    send(
        client,
        call("identify", userId="u1", traits={"email": "Ada@Example.com", "first_name": "Ada"}),
        call("track", userId="u1", event="Whitepaper Downloaded", properties={"title": "Guide"}),
    )
    contact = contact_by(client, user_id="u1")
    assert contact["email"] == "ada@example.com"
    assert contact["traits"]["first_name"] == "Ada"
    assert contact_by(client, email="ADA@example.com")["id"] == contact["id"]
    listed = client.get(f"/api/contacts/{contact['id']}/events").json()["items"]
    assert [e["name"] for e in listed] == ["Whitepaper Downloaded", None]
    assert listed[0]["properties"] == {"title": "Guide"}


def test_single_call_endpoints_accept_each_type(client: TestClient) -> None:
    auth = (WRITE_KEY, "")
    base = {"userId": "u2"}
    answers = [
        client.post("/v1/identify", json={**base, "traits": {"email": "b@x.io"}}, auth=auth),
        client.post("/v1/track", json={**base, "event": "Signed Up"}, auth=auth),
        client.post(
            "/v1/page",
            json={**base, "name": "Pricing", "properties": {"path": "/pricing"}},
            auth=auth,
        ),
        client.post("/v1/screen", json={**base, "name": "Home"}, auth=auth),
        client.post(
            "/v1/group", json={**base, "groupId": "acme", "traits": {"name": "Acme"}}, auth=auth
        ),
        client.post("/v1/alias", json={"previousId": "anon-2", "userId": "u2"}, auth=auth),
    ]
    assert [a.json() for a in answers] == [{"success": True}] * 6
    contact = contact_by(client, user_id="u2")
    names = [e["name"] for e in client.get(f"/api/contacts/{contact['id']}/events").json()["items"]]
    assert sorted(n for n in names if n) == ["Page Viewed", "Screen Viewed", "Signed Up"]
    assert contact["accounts"][0]["group_id"] == "acme"
    assert contact_by(client, anonymous_id="anon-2")["id"] == contact["id"]


def test_repeated_message_id_is_accepted_and_ignored(client: TestClient) -> None:
    order = call("track", userId="u3", event="Order Completed", properties={"revenue": 120.5})
    send(client, order)
    send(client, order, order)
    contact = contact_by(client, user_id="u3")
    assert contact["purchases"]["count"] == 1
    assert contact["purchases"]["total"] == 120.5
    assert event_count(client) == 1


def test_clock_skew_is_corrected_from_sent_at(client: TestClient) -> None:
    now = datetime.now(UTC)
    device_clock = now + timedelta(hours=2)  # the device's clock runs two hours fast
    happened = device_clock - timedelta(minutes=10)
    send(
        client,
        call("track", userId="u4", event="Clicked", timestamp=happened.isoformat()),
        sentAt=device_clock.isoformat(),
    )
    contact = contact_by(client, user_id="u4")
    stamp = client.get(f"/api/contacts/{contact['id']}/events").json()["items"][0]["timestamp"]
    corrected = datetime.fromisoformat(stamp)
    assert abs((corrected - (now - timedelta(minutes=10))).total_seconds()) < 60


def test_historical_events_keep_their_own_timestamp(client: TestClient) -> None:
    old = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    send(client, call("track", userId="u5", event="Old", timestamp=old.isoformat()))
    contact = contact_by(client, user_id="u5")
    assert contact["first_seen_at"] == "2024-03-01T12:00:00Z"


def test_gzip_bodies_and_write_key_in_body(client: TestClient) -> None:
    body = orjson.dumps({"writeKey": WRITE_KEY, "batch": [call("identify", userId="u6")]})
    response = client.post(
        "/v1/batch",
        content=gzip.compress(body),
        headers={
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
            "Authorization": "",
        },
    )
    assert response.json() == {"success": True}
    assert contact_by(client, user_id="u6")["user_id"] == "u6"


def test_out_of_order_identify_never_overwrites_newer_traits(client: TestClient) -> None:
    new = datetime(2026, 5, 2, tzinfo=UTC).isoformat()
    old = datetime(2026, 5, 1, tzinfo=UTC).isoformat()
    send(
        client, call("identify", userId="u7", timestamp=new, traits={"plan": "pro", "city": "Oslo"})
    )
    send(client, call("identify", userId="u7", timestamp=old, traits={"plan": "free", "team": "a"}))
    traits = contact_by(client, user_id="u7")["traits"]
    assert traits == {"plan": "pro", "city": "Oslo", "team": "a"}


def test_purchases_are_kept_as_aggregates(client: TestClient) -> None:
    first = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
    last = datetime(2026, 2, 7, tzinfo=UTC).isoformat()
    send(
        client,
        call(
            "track",
            userId="u8",
            event="Order Completed",
            timestamp=last,
            properties={"total": "30"},
        ),
        call(
            "track",
            userId="u8",
            event="Order Completed",
            timestamp=first,
            properties={"revenue": 12},
        ),
    )
    purchases = contact_by(client, user_id="u8")["purchases"]
    assert purchases == {
        "count": 2,
        "total": 42.0,
        "first_at": "2026-01-05T00:00:00Z",
        "last_at": "2026-02-07T00:00:00Z",
    }
