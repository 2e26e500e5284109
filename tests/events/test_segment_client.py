"""The official Segment Python library, pointed at a running Cadence, works unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from segment.analytics.client import Client

from tests.conftest import ADMIN_KEY, WRITE_KEY


def test_segment_python_client_delivers_every_call(live_server: str) -> None:
    failures: list[Any] = []
    client = Client(
        write_key=WRITE_KEY,
        host=live_server,
        upload_interval=0.05,
        gzip=True,
        max_retries=0,
        on_error=lambda error, batch: failures.append(error),
    )
    client.page(anonymous_id="visitor-1", name="Pricing", properties={"path": "/pricing"})
    client.identify(
        user_id="sdk-user",
        anonymous_id="visitor-1",
        traits={"email": "sdk@example.com", "first_name": "Sam", "job_title": "Head of Growth"},
    )
    client.track(
        user_id="sdk-user",
        event="Order Completed",
        properties={"order_id": "o-1", "revenue": 99.5},
        timestamp=datetime(2026, 6, 1, 9, 30, tzinfo=UTC),
    )
    client.group(user_id="sdk-user", group_id="sdk-co", traits={"name": "SDK Co", "employees": 250})
    client.alias(previous_id="old-login", user_id="sdk-user")
    client.flush()  # blocks until the consumer thread has delivered every queued call
    client.shutdown()
    assert failures == []

    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ) as api:
        check_delivered(api)


def check_delivered(api: httpx.Client) -> None:
    contact = api.get("/api/contacts/lookup", params={"user_id": "sdk-user"}).json()
    assert contact["email"] == "sdk@example.com"
    assert contact["traits"]["job_title"] == "Head of Growth"
    assert contact["anonymous_ids"] == ["old-login", "visitor-1"]
    assert contact["accounts"][0]["name"] == "SDK Co"
    assert contact["accounts"][0]["traits"]["employees"] == 250
    assert contact["purchases"]["count"] == 1
    # the library stamps sentAt at upload, so the skew correction moves it by the queue delay
    last_order = datetime.fromisoformat(contact["purchases"]["last_at"])
    assert abs((last_order - datetime(2026, 6, 1, 9, 30, tzinfo=UTC)).total_seconds()) < 5
    events = api.get(f"/api/contacts/{contact['id']}/events").json()["items"]
    page = next(e for e in events if e["type"] == "page")
    assert page["name"] == "Page Viewed"
    assert page["properties"]["path"] == "/pricing"
    assert page["properties"]["name"] == "Pricing"
    assert sorted(e["type"] for e in events) == ["alias", "group", "identify", "page", "track"]
