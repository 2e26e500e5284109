"""Entering and leaving journeys: events with filters, goals, awaited events, the outbox
(segments, lifecycle stages, consent withdrawal, erasure) and date traits."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.consent.apihelp import consent
from tests.helpers import call, contact_by, send
from tests.journeys.helpers import (
    DAY,
    apply_workspace,
    enrol,
    enrolment_row,
    enrolments_of,
    new_contact,
    put_journey,
    run_at,
    runs,
)

FOLLOW_UP: dict[str, Any] = {
    "triggers": [{"event": "Page Viewed", "where": {"path": "/pricing"}}],
    "goal": {"event": "Demo Requested"},
    "steps": [
        {
            "id": "wait",
            "type": "wait",
            "until_event": "Trial Started",
            "timeout": "3d",
            "next": "thanks",
            "timeout_next": "nudge",
        },
        {"id": "thanks", "type": "set_trait", "traits": {"trial": True}},
        {"id": "nudge", "type": "notify_owner", "note": "no trial after 3 days"},
    ],
}


def identify(client: TestClient, user: str, **traits: Any) -> int:
    send(client, call("identify", userId=user, traits={"email": f"{user}@example.com", **traits}))
    contact_id: int = contact_by(client, user_id=user)["id"]
    return contact_id


def track(client: TestClient, user: str, event: str, **properties: Any) -> None:
    send(client, call("track", userId=user, event=event, properties=properties))


def test_event_triggers_filter_on_properties_and_awaited_events_resume(client: TestClient) -> None:
    put_journey(client, "pricing", FOLLOW_UP)
    alice = identify(client, "alice")
    bob = identify(client, "bob")
    carol = identify(client, "carol")
    track(client, "alice", "Page Viewed", path="/blog")
    assert enrolments_of(client, "pricing") == []
    for user in ("alice", "bob", "carol"):
        track(client, user, "Page Viewed", path="/pricing")
    rows = {r.contact_id: r.id for r in enrolments_of(client, "pricing")}
    assert set(rows) == {alice, bob, carol}
    run_at(client)
    assert runs(client, rows[alice]) == [("wait", "waiting for Trial Started")]
    track(client, "alice", "Trial Started")
    track(client, "bob", "Demo Requested")  # the goal: bob converts and leaves
    run_at(client)
    assert [s for s, _ in runs(client, rows[alice])] == ["wait", "thanks"]
    assert enrolment_row(client, rows[alice]).status == "completed"
    assert enrolment_row(client, rows[bob]).status == "converted"
    run_at(client, after_ms=3 * DAY + 1000)
    assert [s for s, _ in runs(client, rows[carol])] == ["wait", "nudge"]
    assert [s for s, _ in runs(client, rows[bob])] == ["wait"]
    stats = client.get("/api/journeys/pricing/stats").json()
    assert stats["conversion"] == {"entered": 3, "converted": 1, "rate": 0.3333}


def test_segment_and_stage_triggers_come_from_the_outbox(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(
        client,
        "hot-leads",
        {
            "triggers": [{"segment_entered": "hot"}],
            "steps": [{"id": "tell", "type": "notify_owner"}],
        },
    )
    put_journey(
        client,
        "mqls",
        {"triggers": [{"stage": "sql"}], "steps": [{"id": "tell", "type": "notify_owner"}]},
    )
    dana = identify(client, "dana")
    identify(client, "dana", hot=True)
    run_at(client)
    (row,) = enrolments_of(client, "hot-leads")
    assert (row.contact_id, row.status, row.trigger) == (dana, "completed", "outbox")
    stage = client.post(f"/api/contacts/{dana}/lifecycle", json={"action": "customer"})
    assert stage.status_code in (200, 201), stage.text
    run_at(client)
    assert enrolments_of(client, "mqls") == []  # customer, not sql


def test_withdrawing_all_consent_or_erasure_ends_enrolments(client: TestClient) -> None:
    apply_workspace(client)
    put_journey(
        client,
        "long",
        {
            "triggers": [{"manual": True}],
            "steps": [{"id": "pause", "type": "wait", "duration": "30d"}],
        },
    )
    eve = new_contact(client, "eve@example.com")
    fay = new_contact(client, "fay@example.com")
    consent(client, eve, channel="email", topic="offers")
    ids = enrol(client, "long", eve, fay)["enrolment_ids"]
    run_at(client)
    consent(client, eve, channel="email", topic="offers", status="withdrawn")
    assert client.delete(f"/api/contacts/{fay}").status_code in (200, 204)
    run_at(client)
    reasons = {enrolment_row(client, i).reason for i in ids}
    assert reasons == {"consent withdrawn", "contact erased"}


def test_a_date_trait_enrols_once_a_day(client: TestClient) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    put_journey(
        client,
        "birthday",
        {
            "triggers": [{"date_trait": "birthday"}],
            "reentry": {"every_days": 300},
            "steps": [{"id": "hi", "type": "notify_owner"}],
        },
    )
    gus = identify(client, "gus", birthday=f"1990-{today:%m-%d}")
    identify(client, "hal", birthday="1990-01-01" if today.month != 1 else "1990-06-01")
    run_at(client)
    run_at(client)
    assert [r.contact_id for r in enrolments_of(client, "birthday")] == [gus]
