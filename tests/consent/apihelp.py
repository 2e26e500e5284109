"""Factories for driving permission through the HTTP API (and reading what it stored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import outbox

WORDING = "Yes, send me {topic} by {channel}. I can unsubscribe at any time."


def engine_of(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


@contextmanager
def uow(client: TestClient) -> Iterator[UnitOfWork]:
    with unit_of_work(engine_of(client)) as work:
        yield work


def new_contact(client: TestClient, email: str, **traits: Any) -> int:
    response = client.post("/api/contacts", json={"email": email, "traits": traits})
    assert response.status_code == 201, response.text
    contact_id: int = response.json()["id"]
    return contact_id


def consent(
    client: TestClient,
    contact_id: int,
    *,
    channel: str = "sms",
    topic: str = "offers",
    status: str = "granted",
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": channel, "topic": topic, "status": status}
    if status == "granted":
        body.setdefault("basis", "express")
        body.setdefault("wording", WORDING.format(topic=topic, channel=channel))
    body.update(fields)
    response = client.post(f"/api/contacts/{contact_id}/consents", json=body)
    assert response.status_code == expect, response.text
    answer: dict[str, Any] = response.json()
    return answer


def later(**delta: float) -> str:
    """An ISO instant this far from the real now (the API's clock)."""
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def gate(
    client: TestClient, contact_id: int, *, channel: str = "sms", topic: str = "offers", **at: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"contact_id": contact_id, "channel": channel, "topic": topic}
    body.update(at)
    response = client.post("/api/gate/check", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def outbox_payloads(client: TestClient, topic: str) -> list[dict[str, Any]]:
    with engine_of(client).connect() as conn:
        rows = conn.execute(
            select(outbox.c.payload).where(outbox.c.topic == topic).order_by(outbox.c.id)
        )
        return [dict(payload) for (payload,) in rows]


def count(client: TestClient, table: Any) -> int:
    with engine_of(client).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
