"""Sales owners through the API: assigned, cleared, kept, published and usable in segments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cadence.db.tables import outbox, owner_history
from tests.helpers import call, contact_by, send

OWNED = {
    "key": "owned-by-ann",
    "name": "Ann's leads",
    "condition": {"field": "owner", "op": "eq", "value": "ann@example.com"},
}


def _outbox(client: TestClient, contact_id: int) -> list[dict[str, Any]]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.payload)
            .where(outbox.c.topic == "contact.owner_changed", outbox.c.contact_id == contact_id)
            .order_by(outbox.c.id)
        )
        return [dict(payload) for (payload,) in rows]


def test_an_owner_is_assigned_kept_published_and_segmented(client: TestClient) -> None:
    assert client.post("/api/segments", json=OWNED).status_code == 201
    send(client, call("identify", userId="lead-1", traits={"email": "l@example.org"}))
    contact = contact_by(client, user_id="lead-1")
    assert contact["owner"] is None
    body = {"owner": " Ann@Example.com ", "by": "sales-ops", "reason": "territory DE"}
    done = client.put(f"/api/contacts/{contact['id']}/owner", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["changed"] is True
    assert done.json()["contact"]["owner"] == "ann@example.com"
    assert contact_by(client, user_id="lead-1")["segments"] == ["owned-by-ann"]
    again = client.put(f"/api/contacts/{contact['id']}/owner", json=body)
    assert again.json()["changed"] is False
    cleared = client.put(f"/api/contacts/{contact['id']}/owner", json={"owner": None})
    assert cleared.json()["contact"]["owner"] is None
    assert contact_by(client, user_id="lead-1")["segments"] == []
    history = client.get(f"/api/contacts/{contact['id']}/owner/history").json()["items"]
    assert [(h["from"], h["to"], h["by"]) for h in history] == [
        (None, "ann@example.com", "sales-ops"),
        ("ann@example.com", None, "api"),
    ]
    assert [(p["from"], p["to"], p["reason"]) for p in _outbox(client, contact["id"])] == [
        (None, "ann@example.com", "territory DE"),
        ("ann@example.com", None, "assigned"),
    ]


def test_bad_owners_are_refused_and_write_nothing(client: TestClient) -> None:
    send(client, call("identify", userId="lead-2"))
    contact = contact_by(client, user_id="lead-2")
    for owner in ["not an id", "two@@example.com", "", "x" * 300]:
        refused = client.put(f"/api/contacts/{contact['id']}/owner", json={"owner": owner})
        assert refused.status_code == 400, owner
        assert refused.json()["errors"][0]["field"] == "owner", refused.text
    missing = client.put("/api/contacts/999999/owner", json={"owner": "u-17"})
    assert missing.status_code == 404
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(owner_history)) == 0
    assert contact_by(client, user_id="lead-2")["owner"] is None
    by_id = client.put(f"/api/contacts/{contact['id']}/owner", json={"owner": "crm:0051x"})
    assert by_id.json()["contact"]["owner"] == "crm:0051x"
