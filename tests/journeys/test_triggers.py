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


TELL: dict[str, Any] = {"id": "tell", "type": "notify_owner"}


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


def iso_days_ago(days: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def test_event_triggers_ignore_old_events_unless_the_trigger_allows_them(
    client: TestClient,
) -> None:
    def on_signup(**setting: Any) -> dict[str, Any]:
        return {
            "triggers": [{"event": "Signed Up", **setting}],
            "steps": [{"id": "pause", "type": "wait", "duration": "30d"}],
        }

    put_journey(client, "fresh-only", on_signup())
    put_journey(client, "any-age", on_signup(max_event_age=None))
    put_journey(client, "three-days", on_signup(max_event_age="3d"))
    assert client.get("/api/journeys/any-age").json()["triggers"][0]["max_event_age"] is None
    ages = {"now": 0.0, "two-days": 2.0, "five-days": 5.0}
    people = {name: identify(client, name) for name in ages}
    for name, days in ages.items():
        send(client, call("track", userId=name, event="Signed Up", timestamp=iso_days_ago(days)))
    entered = {
        key: {r.contact_id for r in enrolments_of(client, key)}
        for key in ("fresh-only", "any-age", "three-days")
    }
    assert entered == {
        "fresh-only": {people["now"]},
        "any-age": set(people.values()),
        "three-days": {people["now"], people["two-days"]},
    }


def test_a_goal_condition_reached_by_an_arriving_event_converts_at_once(
    client: TestClient,
) -> None:
    body = {
        "triggers": [{"manual": True}],
        "goal": {"condition": {"event": "Pricing Viewed", "min": 2}},
        "steps": [{"id": "pause", "type": "wait", "duration": "7d", "next": "tell"}, TELL],
    }
    put_journey(client, "pricing-goal", body)
    ida, jon = identify(client, "ida"), identify(client, "jon")
    first, second = enrol(client, "pricing-goal", ida, jon)["enrolment_ids"]
    run_at(client)
    track(client, "ida", "Pricing Viewed")
    track(client, "jon", "Pricing Viewed")
    assert enrolment_row(client, first).status == "active"
    track(client, "ida", "Pricing Viewed")  # no scheduler pass in between
    assert (enrolment_row(client, first).status, enrolment_row(client, first).reason) == (
        "converted",
        "goal condition reached",
    )
    assert enrolment_row(client, second).status == "active"
    run_at(client, after_ms=7 * DAY + 1000)
    assert runs(client, first) == [("pause", "wait 7d")]


def test_a_goal_condition_on_a_segment_converts_when_the_profile_moves_it(
    client: TestClient,
) -> None:
    apply_workspace(client)
    body = {
        "triggers": [{"manual": True}],
        "goal": {"condition": {"segment": "hot"}},
        "steps": [{"id": "pause", "type": "wait", "duration": "7d", "next": "tell"}, TELL],
    }
    put_journey(client, "get-hot", body)
    kai = identify(client, "kai")
    (eid,) = enrol(client, "get-hot", kai)["enrolment_ids"]
    run_at(client)
    identify(client, "kai", hot=True)  # the same pipeline pass moves the segment and converts
    assert enrolment_row(client, eid).status == "converted"


def test_a_step_that_reaches_the_goal_ends_the_walk_there(client: TestClient) -> None:
    body = {
        "triggers": [{"manual": True}],
        "goal": {"condition": {"field": "traits.won", "op": "eq", "value": True}},
        "steps": [
            {"id": "mark", "type": "set_trait", "traits": {"won": True}, "next": "tell"},
            TELL,
        ],
    }
    put_journey(client, "self-goal", body)
    (eid,) = enrol(client, "self-goal", identify(client, "lu"))["enrolment_ids"]
    run_at(client)
    assert runs(client, eid) == [("mark", "set won")]
    assert enrolment_row(client, eid).status == "converted"


def test_goal_conditions_follow_the_version_an_enrolment_started(client: TestClient) -> None:
    def goal_on(trait: str) -> dict[str, Any]:
        return {
            "triggers": [{"manual": True}],
            "reentry": "always",
            "goal": {"condition": {"field": f"traits.{trait}", "op": "eq", "value": True}},
            "steps": [{"id": "pause", "type": "wait", "duration": "7d"}],
        }

    put_journey(client, "versions", goal_on("a"))
    old = enrol(client, "versions", identify(client, "mo"))["enrolment_ids"][0]
    put_journey(client, "versions", goal_on("b"))
    new = enrol(client, "versions", identify(client, "ned"))["enrolment_ids"][0]
    identify(client, "mo", b=True)
    identify(client, "ned", a=True)
    assert [enrolment_row(client, i).status for i in (old, new)] == ["active", "active"]
    identify(client, "mo", a=True)
    identify(client, "ned", b=True)
    assert [enrolment_row(client, i).status for i in (old, new)] == ["converted", "converted"]


def test_a_watch_list_stored_before_goal_conditions_were_watched_still_converts(
    client: TestClient,
) -> None:
    import orjson
    from sqlalchemy import update

    from cadence.db.engine import unit_of_work
    from cadence.db.tables import meta
    from cadence.journeys.store import WATCH_KEY
    from tests.journeys.helpers import engine_of

    body = {
        "triggers": [{"manual": True}],
        "goal": {"condition": {"field": "traits.won", "op": "eq", "value": True}},
        "steps": [{"id": "pause", "type": "wait", "duration": "7d"}],
    }
    put_journey(client, "old-watch", body)
    (eid,) = enrol(client, "old-watch", identify(client, "ole"))["enrolment_ids"]
    older: dict[str, list[Any]] = {"triggers": [], "goals": [], "waits": []}  # previous release
    with unit_of_work(engine_of(client)) as uow:
        uow.conn.execute(
            update(meta).where(meta.c.key == WATCH_KEY).values(value=orjson.dumps(older).decode())
        )
    identify(client, "ole", won=True)
    assert enrolment_row(client, eid).status == "converted"


def test_a_goal_reached_outside_the_pipeline_converts_on_the_next_pass(
    client: TestClient,
) -> None:
    """A lifecycle change through the API reaches journeys through the outbox."""
    body = {
        "triggers": [{"manual": True}],
        "goal": {"condition": {"field": "lifecycle_stage", "op": "eq", "value": "customer"}},
        "steps": [{"id": "pause", "type": "wait", "duration": "7d", "next": "tell"}, TELL],
    }
    put_journey(client, "to-customer", body)
    pia = identify(client, "pia")
    (eid,) = enrol(client, "to-customer", pia)["enrolment_ids"]
    run_at(client)
    stage = client.post(f"/api/contacts/{pia}/lifecycle", json={"action": "customer"})
    assert stage.status_code in (200, 201), stage.text
    assert enrolment_row(client, eid).status == "active"  # the API did not run the pipeline
    run_at(client)  # nothing is due for a week: only the outbox can convert it
    row = enrolment_row(client, eid)
    assert (row.status, row.reason) == ("converted", "goal condition reached")
    assert runs(client, eid) == [("pause", "wait 7d")]
