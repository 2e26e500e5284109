"""Small factories for Segment calls used across tests."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import WRITE_KEY

_ids = itertools.count(1)


def call(kind: str, **fields: Any) -> dict[str, Any]:
    """A Segment call with a fresh messageId unless one is given."""
    message: dict[str, Any] = {"type": kind, "messageId": f"m-{next(_ids)}"}
    message.update(fields)
    return message


def send(client: TestClient, *calls: dict[str, Any], **extra: Any) -> Any:
    response = client.post("/v1/batch", json={"batch": list(calls), **extra}, auth=(WRITE_KEY, ""))
    assert response.status_code == 200, response.text
    return response.json()


def contact_by(client: TestClient, **query: str) -> dict[str, Any]:
    response = client.get("/api/contacts/lookup", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_lock_waiter(uow: Any) -> None:
    """Return once another session of this database waits on a row lock (no sleeping)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with uow.conn.engine.connect() as watcher:
        for _ in range(100_000):
            if watcher.execute(waiting).scalar_one():
                return
            watcher.rollback()
    raise AssertionError("the other session never waited for this one's row lock")
