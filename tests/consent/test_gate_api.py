"""The send gate, tried every way around: nothing passes without valid consent, and every
decision is logged with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.consent import service
from cadence.consent.expiry import expire_due
from cadence.consent.sending import reserve_send
from cadence.db.tables import gate_decisions
from cadence.db.types import to_millis
from cadence.runtime import now_millis
from tests.helpers import call, contact_by, send

from .apihelp import consent, engine_of, gate, later, new_contact, uow


def decisions(client: TestClient) -> list[tuple[int, bool, str | None, str | None]]:
    g = gate_decisions.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(select(g.contact_id, g.allowed, g.reason, g.source).order_by(g.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_no_consent_blocks_and_a_grant_allows(client: TestClient) -> None:
    cid = new_contact(client, "gus@example.org")
    assert gate(client, cid)["reason"] == "no_consent"
    consent(client, cid)
    allowed = gate(client, cid)
    assert allowed["allowed"] is True and allowed["consent"]["topic"] == "offers"
    assert gate(client, cid, topic="news")["reason"] == "no_consent"
    assert decisions(client) == [
        (cid, False, "no_consent", "api:dry_check"),
        (cid, True, None, "api:dry_check"),
        (cid, False, "no_consent", "api:dry_check"),
    ]


def test_unknown_channel_topic_and_contact(client: TestClient) -> None:
    cid = new_contact(client, "hal@example.org")
    consent(client, cid, topic="*")
    assert gate(client, cid, channel="fax")["reason"] == "unknown_channel"
    assert gate(client, cid, topic="*")["reason"] == "unknown_topic"
    assert gate(client, cid, topic="gossip")["reason"] == "unknown_topic"
    assert gate(client, 424242)["reason"] == "no_consent"


def test_withdrawn_blocks_including_all_topics(client: TestClient) -> None:
    cid = new_contact(client, "ida@example.org")
    consent(client, cid, topic="offers")
    consent(client, cid, topic="offers", status="withdrawn")
    assert gate(client, cid)["reason"] == "withdrawn"
    consent(client, cid, topic="news")
    consent(client, cid, topic="*", status="withdrawn")
    assert gate(client, cid, topic="news")["reason"] == "withdrawn"
    assert gate(client, cid, topic="events")["reason"] == "withdrawn"


def test_expired_consent_blocks(client: TestClient) -> None:
    cid = new_contact(client, "jo@example.org")
    consent(client, cid, topic="news", basis="implied")
    assert gate(client, cid, topic="news", at=later(days=729))["allowed"] is True
    assert gate(client, cid, topic="news", at=later(days=731))["reason"] == "expired"
    consent(client, cid, topic="offers", expires_at=later(days=3))
    assert gate(client, cid, at=later(days=2))["allowed"] is True
    assert gate(client, cid, at=later(days=4))["reason"] == "expired"


def test_unconfirmed_double_opt_in_blocks_until_confirmed(client: TestClient) -> None:
    cid = new_contact(client, "kai@example.org")
    consent(client, cid, channel="email", topic="news")
    assert gate(client, cid, channel="email", topic="news")["reason"] == "pending_confirmation"
    # the request lapses unconfirmed after 72 hours
    assert (
        gate(client, cid, channel="email", topic="news", at=later(hours=73))["reason"] == "expired"
    )
    with uow(client) as work:
        assert service.confirm(
            work, contact_id=cid, channel="email", topic="news", now=now_millis()
        )
    assert gate(client, cid, channel="email", topic="news")["allowed"] is True
    # an old confirmation never revives a withdrawal
    consent(client, cid, channel="email", topic="news", status="withdrawn")
    with uow(client) as work:
        assert (
            service.confirm(work, contact_id=cid, channel="email", topic="news", now=now_millis())
            is None
        )
    assert gate(client, cid, channel="email", topic="news")["reason"] == "withdrawn"


def test_paused_blocks_until_the_pause_ends(client: TestClient) -> None:
    cid = new_contact(client, "lea@example.org")
    until = datetime.now(UTC) + timedelta(days=30)
    consent(client, cid, paused_until=until.isoformat())
    paused = gate(client, cid)
    assert paused["reason"] == "paused"
    retry_at = datetime.fromisoformat(paused["retry_at"])
    assert abs(retry_at - until) < timedelta(milliseconds=2)
    assert gate(client, cid, at=later(days=31))["allowed"] is True


def test_suppressed_address_blocks_email_and_refuses_new_grants(client: TestClient) -> None:
    cid = new_contact(client, "max@example.org")
    consent(client, cid, channel="email", topic="offers")
    with uow(client) as work:
        service.confirm(work, contact_id=cid, channel="email", topic="offers", now=now_millis())
    assert gate(client, cid, channel="email")["allowed"] is True
    added = client.post(
        "/api/suppressions", json={"email": "MAX@example.org", "reason": "complaint"}
    )
    assert added.status_code == 201
    assert gate(client, cid, channel="email")["reason"] == "suppressed"
    refused = consent(client, cid, channel="email", basis="implied", expect=409)
    assert refused["code"] == "suppressed" and refused["errors"][0]["field"] == "basis"
    # an express opt-in is recorded as a request the person must confirm, whatever the channel
    assert consent(client, cid, channel="email")["status"] == "pending"
    assert gate(client, cid, channel="email")["reason"] == "suppressed"
    with uow(client) as work:
        service.confirm(work, contact_id=cid, channel="email", topic="offers", now=now_millis())
    assert gate(client, cid, channel="email")["allowed"] is True  # confirmation lifted it
    lookup = client.post("/api/suppressions/lookup", json={"email": "max@example.org"})
    assert lookup.json()["suppressed"] is False


def test_frequency_choice_limits_sends(client: TestClient) -> None:
    cid = new_contact(client, "ned@example.org")
    consent(client, cid, frequency="weekly")
    now = now_millis()
    day = 86_400_000
    with uow(client) as work:
        first = reserve_send(
            work, contact_id=cid, channel="sms", topic="offers", at=now, source="t"
        )
        assert first.send_id is not None
        again = reserve_send(
            work, contact_id=cid, channel="sms", topic="offers", at=now + day, source="t"
        )
        assert again.send_id is None and again.decision is not None
    blocked = gate(client, cid, at=later(days=3))
    assert blocked["reason"] == "frequency"
    assert gate(client, cid, at=later(days=8))["allowed"] is True
    assert gate(client, cid, topic="news")["reason"] == "no_consent"  # other topics: own rules
    with uow(client) as work:
        dup = reserve_send(
            work,
            contact_id=cid,
            channel="sms",
            topic="offers",
            at=now + 9 * day,
            source="t",
            idempotency_key="k1",
        )
        assert dup.send_id is not None
        repeat = reserve_send(
            work,
            contact_id=cid,
            channel="sms",
            topic="offers",
            at=now + 9 * day,
            source="t",
            idempotency_key="k1",
        )
        assert repeat.duplicate and repeat.send_id == dup.send_id


def test_merged_contacts_keep_every_withdrawal_and_send(client: TestClient) -> None:
    send(client, call("identify", userId="u-7", traits={"email": "ola@example.org"}))
    send(client, call("page", anonymousId="anon-7"))
    known = contact_by(client, user_id="u-7")["id"]
    anonymous = contact_by(client, anonymous_id="anon-7")["id"]
    consent(client, known, topic="offers", frequency="weekly")
    consent(client, known, topic="news")
    consent(client, anonymous, topic="offers", frequency="monthly")
    consent(client, anonymous, topic="news", status="withdrawn")
    with uow(client) as work:
        reserve_send(
            work, contact_id=anonymous, channel="sms", topic="offers", at=now_millis(), source="t"
        )
    send(client, call("identify", userId="u-7", anonymousId="anon-7"))
    survivor = contact_by(client, user_id="u-7")["id"]
    assert contact_by(client, anonymous_id="anon-7")["id"] == survivor
    for asked in (known, anonymous):
        assert gate(client, asked, topic="news")["reason"] == "withdrawn"
        assert gate(client, asked, at=later(days=10))["reason"] == "frequency"  # monthly, sent
        assert gate(client, asked, at=later(days=31))["allowed"] is True


def test_expire_due_records_lapses(client: TestClient) -> None:
    cid = new_contact(client, "pia@example.org")
    consent(client, cid, topic="news", basis="implied")
    consent(client, cid, channel="email", topic="offers")  # pending confirmation
    consent(client, cid, topic="*", expires_at=later(days=1))
    consent(client, cid, topic="offers")  # express, still valid after '*' lapses
    future = to_millis(datetime.now(UTC) + timedelta(days=800))
    with uow(client) as work:
        report = expire_due(work, now=future)
        assert report.contacts == 1
        assert expire_due(work, now=future).contacts == 0
    history = client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
    expired = sorted((e["channel"], e["topic"]) for e in history if e["action"] == "expired")
    assert expired == [("email", "offers"), ("sms", "news")]
    stored = {
        (c["channel"], c["topic"]): c["status"]
        for c in client.get(f"/api/contacts/{cid}").json()["consents"]
    }
    assert stored == {
        ("sms", "news"): "expired",
        ("email", "offers"): "expired",
        ("sms", "*"): "expired",
        ("sms", "offers"): "granted",
    }


def test_merge_hook_refolds_the_survivors_stored_consent(client: TestClient) -> None:
    send(client, call("identify", userId="u-8", traits={"email": "rex@example.org"}))
    send(client, call("page", anonymousId="anon-8"))
    anonymous = contact_by(client, anonymous_id="anon-8")["id"]
    consent(client, anonymous, topic="events")
    send(client, call("identify", userId="u-8", anonymousId="anon-8"))
    survivor = contact_by(client, user_id="u-8")["id"]
    with uow(client) as work:
        service.refold_contacts(work, contact_ids=[survivor], now=now_millis())
    stored = client.get(f"/api/contacts/{survivor}").json()["consents"]
    assert [(c["channel"], c["topic"], c["status"]) for c in stored] == [
        ("sms", "events", "granted")
    ]


def test_erasure_deletes_the_chain(client: TestClient) -> None:
    from cadence.consent import store
    from cadence.db.tables import consent_heads, consent_ledger, gate_decisions

    from .apihelp import count

    cid = new_contact(client, "sue@example.org")
    consent(client, cid)
    gate(client, cid)
    with uow(client) as work:
        store.erase(work, contact_ids=[cid])
    assert [count(client, t) for t in (consent_ledger, consent_heads, gate_decisions)] == [0, 0, 0]
