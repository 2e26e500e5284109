"""Consent through identify traits, merges and erasure: the wiring between pipeline and ledger."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.db.tables import consent_ledger
from tests.helpers import call, contact_by, send


def ledger_rows(client: TestClient) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(consent_ledger)).scalar_one())


def test_identify_traits_record_consent_and_move_segments(client: TestClient) -> None:
    segment = {"key": "sms-ok", "condition": {"consent": {"channel": "sms", "topic": "offers"}}}
    assert client.post("/api/segments", json=segment).status_code == 201
    consent = {"sms": {"offers": "granted"}, "wording": "Yes, text me offers", "source": "form"}
    send(client, call("identify", userId="t1", traits={"email": "t1@x.io", "consent": consent}))
    contact = contact_by(client, user_id="t1")
    state = client.get(f"/api/contacts/{contact['id']}/consents").json()
    assert any(r["channel"] == "sms" and r["status"] == "granted" for r in state["consents"])
    assert contact["segments"] == ["sms-ok"]
    assert contact["profile_level"] in (0, 1)  # preferences stated, other level-1 fields missing
    send(client, call("identify", userId="t1", traits={"consent": {"sms": "withdrawn"}}))
    assert contact_by(client, user_id="t1")["segments"] == []


def test_merged_consent_follows_and_erasure_removes_the_ledger(client: TestClient) -> None:
    consent = {"sms": {"offers": "granted"}, "wording": "Yes", "source": "form"}
    send(client, call("identify", anonymousId="m-a", traits={"consent": consent}))
    send(client, call("identify", userId="m-u"))
    send(client, call("identify", userId="m-u", anonymousId="m-a"))
    merged = contact_by(client, user_id="m-u")
    check = client.post(
        "/api/gate/check", json={"contact_id": merged["id"], "channel": "sms", "topic": "offers"}
    )
    assert check.status_code == 200, check.text
    assert check.json()["allowed"] is True
    assert ledger_rows(client) >= 1
    assert client.delete(f"/api/contacts/{merged['id']}").status_code == 200
    assert ledger_rows(client) == 0


def test_frequency_choice_moves_segments(client: TestClient) -> None:
    # sms: email grants wait for double opt-in by default
    monthly = {"consent": {"channel": "sms", "topic": "news", "frequency": "monthly"}}
    assert (
        client.post("/api/segments", json={"key": "monthly-news", "condition": monthly}).status_code
        == 201
    )
    choice = {"status": "granted", "frequency": "monthly"}
    consent = {"sms": {"news": choice}, "wording": "Monthly news, please", "source": "form"}
    send(client, call("identify", userId="f1", traits={"email": "f1@x.io", "consent": consent}))
    assert contact_by(client, user_id="f1")["segments"] == ["monthly-news"]
    rebuilt = client.post("/api/segments", json={"key": "monthly-news-sql", "condition": monthly})
    assert rebuilt.json()["rebuild"][0]["members"] == 1  # the SQL side agrees
    daily = {"consent": {"channel": "sms", "topic": "news", "frequency": "daily"}}
    assert (
        client.post("/api/segments", json={"key": "daily", "condition": daily}).json()["size"] == 0
    )
    bad = {"consent": {"channel": "email", "frequency": "hourly"}}
    refused = client.post("/api/segments", json={"key": "bad-frequency", "condition": bad})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "condition.consent.frequency"
