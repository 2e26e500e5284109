"""Recording consent over HTTP: grants, withdrawals, double opt-in, errors that write nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cadence.consent.ledger import GENESIS
from cadence.db.tables import consent_heads, consent_ledger, consents, outbox

from .apihelp import WORDING, consent, count, new_contact, outbox_payloads


def test_grant_is_recorded_with_its_evidence(client: TestClient) -> None:
    cid = new_contact(client, "ana@example.org", first_name="Ana")
    answer = consent(
        client,
        cid,
        channel="sms",
        topic="offers",
        ip="203.0.113.9",
        user_agent="Phone/1.0",
        frequency="weekly",
    )
    assert answer["status"] == "granted"
    assert answer["confirmation_requested"] is False
    entry = answer["entry"]
    assert entry["action"] == "granted" and entry["basis"] == "express" and entry["source"] == "api"
    assert entry["wording"] == WORDING.format(topic="offers", channel="sms")
    assert entry["ip"] == "203.0.113.9" and entry["user_agent"] == "Phone/1.0"
    assert entry["prev_hash"] == GENESIS and len(entry["hash"]) == 64

    state = client.get(f"/api/contacts/{cid}/consents").json()
    assert [(r["channel"], r["topic"], r["status"], r["frequency"]) for r in state["consents"]] == [
        ("sms", "offers", "granted", "weekly")
    ]
    assert state["preferences"]["topics"] == ["offers"]
    assert state["preferences"]["frequency"] == {"sms:offers": "weekly"}

    contact = client.get(f"/api/contacts/{cid}").json()
    assert contact["consents"][0]["status"] == "granted"
    assert contact["preferences"]["channels"] == ["sms"]
    assert [p["topic"] for p in outbox_payloads(client, "consent.granted")] == ["offers"]


def test_entries_chain_and_history_lists_them(client: TestClient) -> None:
    cid = new_contact(client, "ben@example.org")
    first = consent(client, cid, topic="*")["entry"]
    second = consent(client, cid, topic="news", status="withdrawn")["entry"]
    assert second["prev_hash"] == first["hash"]
    history = client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
    assert [e["hash"] for e in history] == [first["hash"], second["hash"]]
    rows = {
        (r["topic"]): r["status"]
        for r in client.get(f"/api/contacts/{cid}/consents").json()["consents"]
    }
    assert rows == {"*": "granted", "news": "withdrawn"}
    prefs = client.get(f"/api/contacts/{cid}/consents").json()["preferences"]
    assert prefs["topics"] == ["products", "offers", "events"]


def test_withdrawing_all_topics_withdraws_every_topic(client: TestClient) -> None:
    cid = new_contact(client, "cy@example.org")
    consent(client, cid, topic="news")
    consent(client, cid, topic="offers")
    consent(client, cid, topic="*", status="withdrawn")
    rows = client.get(f"/api/contacts/{cid}/consents").json()["consents"]
    assert {r["status"] for r in rows} == {"withdrawn"}
    assert [p["topic"] for p in outbox_payloads(client, "consent.withdrawn")] == ["*"]


def test_email_needs_double_opt_in(client: TestClient) -> None:
    cid = new_contact(client, "dee@example.org")
    answer = consent(client, cid, channel="email", topic="news")
    assert answer["status"] == "pending"
    assert answer["confirmation_requested"] is True
    (request,) = outbox_payloads(client, "consent.confirmation_requested")
    assert request["confirm_url"].startswith("http://testserver/c/")
    assert request["channel"] == "email" and request["topic"] == "news"


def test_bad_requests_name_the_field_and_write_nothing(client: TestClient) -> None:
    cid = new_contact(client, "eve@example.org")
    before = (count(client, consent_ledger), count(client, outbox))
    cases = [
        ({"wording": ""}, "wording"),
        ({"basis": None}, "basis"),
        ({"channel": "fax"}, "channel"),
        ({"topic": "gossip"}, "topic"),
        ({"frequency": "hourly"}, "frequency"),
        ({"status": "maybe"}, "status"),
        ({"source": "system"}, "source"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        answer = consent(client, cid, expect=400, **change)
        assert answer["errors"][0]["field"] == field, (change, answer)
    withdrawal = consent(client, cid, status="withdrawn", frequency="weekly", expect=400)
    assert withdrawal["errors"][0]["field"] == "frequency"
    past = consent(client, cid, expires_at="2001-01-01T00:00:00Z", expect=400)
    assert past["errors"][0]["field"] == "expires_at"
    assert consent(client, 987654, expect=404)["code"] == "not_found"
    assert (count(client, consent_ledger), count(client, outbox)) == before
    assert count(client, consents) == 0 and count(client, consent_heads) == 0


def test_merged_contact_records_on_the_survivor(client: TestClient) -> None:
    from tests.helpers import call, contact_by, send

    send(client, call("identify", anonymousId="anon-1"))
    send(client, call("identify", userId="u-1", traits={"email": "fay@example.org"}))
    anonymous = contact_by(client, anonymous_id="anon-1")["id"]
    consent(client, anonymous, channel="sms", topic="news")
    send(client, call("identify", userId="u-1", anonymousId="anon-1"))
    survivor = contact_by(client, user_id="u-1")["id"]
    gone = anonymous if anonymous != survivor else contact_by(client, email="fay@example.org")["id"]
    answer = consent(client, gone, channel="sms", topic="offers")
    assert answer["entry"]["contact_id"] == survivor
    topics = {
        r["topic"] for r in client.get(f"/api/contacts/{survivor}/consents").json()["consents"]
    }
    assert topics == {"news", "offers"}


def test_concurrent_writers_keep_one_chain(client: TestClient) -> None:
    import threading

    from cadence.consent import service
    from cadence.consent.ledger import LedgerEntry
    from cadence.consent.models import Action, Basis, Source
    from cadence.runtime import now_millis

    from .apihelp import uow

    cid = new_contact(client, "zed@example.org")
    problems: list[BaseException] = []

    def write(topic: str) -> None:
        try:
            for _ in range(8):
                with uow(client) as work:
                    entry = LedgerEntry(
                        contact_id=cid,
                        channel="sms",
                        topic=topic,
                        action=Action.GRANTED,
                        source=Source.API,
                        at=now_millis(),
                        basis=Basis.EXPRESS,
                        wording="w",
                    )
                    service.record_consent(work, entry=entry, now=now_millis())
        except BaseException as error:  # reported below
            problems.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in ("news", "offers", "events")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    report = client.get(f"/api/contacts/{cid}/consents/verify").json()
    assert report["valid"] is True and report["chains"][0]["entries"] == 24
