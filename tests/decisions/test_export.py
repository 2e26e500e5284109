"""A contact's decisions are part of their GDPR data export."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.decisions.api_helpers import apply_points, decide, rewarded
from tests.helpers import call, contact_by, send


def test_the_export_lists_the_contacts_decisions(client: TestClient) -> None:
    apply_points(client, {"key": "offer", "options": ["guide", "webinar"], "features": ["page"]})
    send(
        client,
        call("identify", userId="ann", traits={"email": "ann@x.io"}),
        call("identify", userId="bob", traits={"email": "bob@x.io"}),
        call("identify", anonymousId="visit-1", traits={"plan": "free"}),
    )
    mine = decide(client, decision="offer", contact={"user_id": "ann"}, context={"page": "/a"})
    rewarded(client, mine["decision_id"], 1.0)
    anonymous = decide(client, decision="offer", contact={"anonymous_id": "visit-1"})
    decide(client, decision="offer", contact={"user_id": "bob"})
    send(client, call("identify", userId="ann", anonymousId="visit-1"))  # the visit was ann's

    ann = contact_by(client, email="ann@x.io")
    exported = client.get(f"/api/contacts/{ann['id']}/export")
    assert exported.status_code == 200, exported.text
    decisions = exported.json()["decisions"]
    assert [d["decision_id"] for d in decisions] == [
        mine["decision_id"],
        anonymous["decision_id"],
    ]
    first = decisions[0]
    assert (first["decision"], first["chosen"], first["options"]) == (
        "offer",
        mine["option"],
        ["guide", "webinar"],
    )
    assert (first["context"], first["propensity"], first["reward"]) == (
        {"page": "/a"},
        mine["propensity"],
        1.0,
    )
    assert first["at"].endswith("Z") and first["rewarded_at"].endswith("Z")
