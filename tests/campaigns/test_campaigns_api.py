"""Campaigns through the API, delivered by the scheduler to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cadence.config import Settings
from cadence.runtime import now_millis
from cadence.scheduler import run_until_idle
from tests.campaigns.factory import WORKSPACE, Mailbox, apply, audience, campaign
from tests.consent.apihelp import consent, engine_of, new_contact


def test_a_campaign_reaches_everyone_who_opted_in_and_reports_the_rest(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE)
    ids = audience(mail_client, ["ana@example.org", "bo@example.org"])
    no_consent = new_contact(mail_client, "cy@example.org")
    withdrawn = new_contact(mail_client, "di@example.org")
    consent(mail_client, withdrawn, channel="email", topic="offers")
    consent(mail_client, withdrawn, channel="email", topic="offers", status="withdrawn")
    mail_client.post(
        "/api/segments/audience/members", json={"contact_ids": [no_consent, withdrawn]}
    )
    created = campaign(mail_client)
    assert created["status"] == "draft" and created["totals"]["recipients"] == 0
    started = mail_client.post(f"/api/campaigns/{created['id']}/send")
    assert started.status_code == 202 and started.json()["status"] == "sending"

    run_until_idle(engine_of(mail_client), now=now_millis(), settings=mail_settings)

    state = mail_client.get(f"/api/campaigns/{created['id']}").json()
    assert state["status"] == "sent"
    totals = state["totals"]
    assert totals["recipients"] == 4 and totals["sent"] == 2
    assert totals["blocked"] == {"total": 2, "by_reason": {"no_consent": 1, "withdrawn": 1}}
    assert sorted(mailbox.recipients()) == ["ana@example.org", "bo@example.org"]
    mail = mailbox.messages()[0]
    assert mail["Subject"].startswith("Person") and mail["List-Unsubscribe"]
    assert mail["Message-ID"]
    page = mail_client.get(f"/api/campaigns/{created['id']}/recipients", params={"limit": 3})
    first = page.json()
    assert [r["contact_id"] for r in first["items"]] == [*ids, no_consent]
    assert first["items"][2] == {
        "contact_id": no_consent,
        "status": "blocked",
        "reason": "no_consent",
        "detail": "no consent recorded for email/offers",
        "retry_at": None,
    }
    rest = mail_client.get(
        f"/api/campaigns/{created['id']}/recipients", params={"cursor": first["next_cursor"]}
    ).json()
    assert [r["status"] for r in rest["items"]] == ["blocked"] and rest["next_cursor"] is None
    # sending again sends nothing twice
    mail_client.post(f"/api/campaigns/{created['id']}/send")
    run_until_idle(engine_of(mail_client), now=now_millis(), settings=mail_settings)
    assert len(mailbox.recipients()) == 2
    listed = mail_client.get("/api/campaigns").json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]


def test_a_scheduled_campaign_starts_from_the_scheduler_at_its_time(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE)
    audience(mail_client, ["eve@example.org"])
    when = datetime.now(UTC) + timedelta(hours=2)
    created = campaign(mail_client, send_at=when.isoformat())
    assert created["status"] == "scheduled"
    engine = engine_of(mail_client)
    run_until_idle(engine, now=now_millis(), settings=mail_settings)
    assert mailbox.recipients() == []
    day = when.date().isoformat()
    planned = mail_client.get("/api/calendar", params={"from": day, "to": day}).json()
    assert planned["days"] == [
        {"day": day, "channel": "email", "topic": "offers", "sent": 0, "planned": 1}
    ]
    later = int((when + timedelta(minutes=1)).timestamp() * 1000)
    run_until_idle(engine, now=later, settings=mail_settings)
    assert mailbox.recipients() == ["eve@example.org"]
    after = mail_client.get("/api/calendar", params={"from": day, "to": day}).json()
    assert after["campaigns"] == []
    assert [(d["sent"], d["planned"]) for d in after["days"]] == [(1, 0)]


def test_bad_requests_name_the_field_and_write_nothing(mail_client: TestClient) -> None:
    apply(mail_client, WORKSPACE)
    answer = mail_client.post("/api/campaigns", json={"message": "nope", "segment": "none"})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"message", "segment"}
    assert mail_client.get("/api/campaigns").json()["items"] == []
    assert mail_client.get("/api/campaigns/99").status_code == 404
    bad = mail_client.get("/api/calendar", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "to"
