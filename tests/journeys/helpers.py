"""Factories for driving journeys through the HTTP API and running due work at chosen times."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cadence import scheduler
from cadence.db.tables import journey_enrolments, journey_runs
from cadence.runtime import now_millis

HOUR = 3_600_000
DAY = 24 * HOUR

WORKSPACE = """
topics: [news, products, offers, events]
channels: [email, sms]
consent: {double_opt_in: []}
segments:
  - key: hot
    name: Hot leads
    condition: {field: traits.hot, op: eq, value: true}
  - key: vip-list
    name: VIP list
    static: true
messages:
  - key: follow-up
    channel: email
    topic: offers
    subject: "Your follow-up"
    text: "Hello"
  - key: guide
    channel: email
    topic: offers
    subject: "The guide"
    text: "Guide"
"""


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def apply_workspace(client: TestClient, text: str = WORKSPACE) -> dict[str, Any]:
    response = client.put(
        "/api/config", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def put_journey(client: TestClient, key: str, body: dict[str, Any], expect: int = 200) -> Any:
    response = client.put(f"/api/journeys/{key}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def new_contact(client: TestClient, email: str, **traits: Any) -> int:
    response = client.post("/api/contacts", json={"email": email, "traits": traits})
    assert response.status_code == 201, response.text
    contact_id: int = response.json()["id"]
    return contact_id


def enrol(client: TestClient, key: str, *ids: int) -> dict[str, Any]:
    response = client.post(f"/api/journeys/{key}/enrol", json={"contact_ids": list(ids)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def run_at(client: TestClient, *, after_ms: int = 0) -> int:
    """Run everything due this long from now; returns the moment used."""
    moment = now_millis() + after_ms
    scheduler.run_until_idle(engine_of(client), now=moment)
    return moment


def runs(client: TestClient, enrolment_id: int) -> list[tuple[str, str]]:
    r = journey_runs.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(
            select(r.step_id, r.outcome).where(r.enrolment_id == enrolment_id).order_by(r.seq)
        )
        return [(str(a), str(b)) for a, b in rows]


def enrolment_row(client: TestClient, enrolment_id: int) -> Any:
    e = journey_enrolments.c
    with engine_of(client).connect() as conn:
        return conn.execute(
            select(e.status, e.reason, e.path, e.journey_id).where(e.id == enrolment_id)
        ).one()


def enrolments_of(client: TestClient, key: str) -> list[Any]:
    e = journey_enrolments.c
    with engine_of(client).connect() as conn:
        return list(
            conn.execute(
                select(e.id, e.contact_id, e.status, e.trigger)
                .where(e.journey_key == key)
                .order_by(e.id)
            )
        )
