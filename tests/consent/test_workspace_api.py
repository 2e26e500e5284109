"""The workspace's topics, channels, frequencies and consent rules drive the consent API."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from .apihelp import consent, gate, later, new_contact

WORKSPACE = """
topics: [news, webinars]
channels: [email, sms]
frequencies: [weekly, monthly]
consent:
  implied_expiry_days: 30
  double_opt_in: []
"""


def put(client: TestClient, text: str) -> dict[str, object]:
    answer = client.put("/api/config", content=text.encode())
    body: dict[str, object] = answer.json()
    body["status"] = answer.status_code
    return body


def test_applied_sections_are_what_consent_uses(client: TestClient) -> None:
    applied = put(client, WORKSPACE)
    assert applied["status"] == 200 and applied["applied"] is True
    assert applied["permission"]["updated"] == ["channels", "consent", "frequencies", "topics"]  # type: ignore[index]
    assert put(client, WORKSPACE)["changes"] == 0  # the same file twice changes nothing
    exported = client.get("/api/config").json()
    assert exported["topics"] == ["news", "webinars"]
    assert exported["consent"] == {"implied_expiry_days": 30, "double_opt_in": []}
    assert yaml.safe_load(client.get("/api/config", params={"format": "yaml"}).text)[
        "channels"
    ] == [
        "email",
        "sms",
    ]
    cid = new_contact(client, "ivy@example.org")
    assert consent(client, cid, channel="email", topic="webinars")["status"] == "granted"  # no DOI
    assert consent(client, cid, topic="offers", expect=400)["errors"][0]["field"] == "topic"
    assert (
        consent(client, cid, channel="phone", topic="news", expect=400)["errors"][0]["field"]
        == "channel"
    )
    assert (
        consent(client, cid, topic="news", frequency="daily", expect=400)["errors"][0]["field"]
        == "frequency"
    )
    links = client.get(f"/api/contacts/{cid}/links").json()["unsubscribe"]
    assert sorted(links) == ["email", "sms"] and sorted(links["sms"]) == ["*", "news", "webinars"]


def test_invalid_sections_are_refused_with_their_paths(client: TestClient) -> None:
    answer = put(client, "channels: [email]\nconsent: {double_opt_in: [fax], colour: red}\n")
    assert answer["status"] == 400
    fields = [e["field"] for e in answer["errors"]]  # type: ignore[attr-defined]
    assert fields == ["consent.colour", "consent.double_opt_in[0]"]
    assert "topics" not in client.get("/api/config").json()


def test_changed_rules_refold_stored_consent(client: TestClient) -> None:
    cid = new_contact(client, "jan@example.org")
    consent(client, cid, topic="news", basis="implied")
    assert gate(client, cid, topic="news", at=later(days=31))["allowed"] is True
    put(client, "consent:\n  implied_expiry_days: 30\n")
    assert gate(client, cid, topic="news", at=later(days=31))["reason"] == "expired"
    stored = client.get(f"/api/contacts/{cid}").json()["consents"][0]
    assert stored["expires_at"] < later(days=31)
    assert put(client, "")["permission"]["updated"] == ["consent"]  # type: ignore[index]
    assert gate(client, cid, topic="news", at=later(days=31))["allowed"] is True
