"""RFC 8058 one-click unsubscribe and double opt-in confirmation over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cadence.consent.tokens import Purpose
from cadence.runtime import now_millis
from tests.consent.apihelp import consent, gate, new_contact, outbox_payloads

from .pagehelp import csrf_of, ledger_size, links, path_of, tamper, token_for

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_get_shows_the_center_and_changes_nothing(client: TestClient) -> None:
    cid = new_contact(client, "eli@example.org")
    consent(client, cid, channel="sms", topic="offers")
    url = path_of(links(client, cid)["unsubscribe"]["sms"]["offers"])
    size = ledger_size(client)
    for _ in range(3):  # link scanners
        page = client.get(url)
        assert page.status_code == 200
        assert "Unsubscribe from offers by sms?" in page.text
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert 'action="/p/' in page.text  # "receive less" instead
    client.head(url)
    assert ledger_size(client) == size
    assert gate(client, cid)["allowed"] is True


def test_post_one_click_withdraws_that_topic_and_channel(client: TestClient) -> None:
    cid = new_contact(client, "fin@example.org")
    consent(client, cid, channel="sms", topic="offers")
    consent(client, cid, channel="sms", topic="news")
    url = path_of(links(client, cid)["unsubscribe"]["sms"]["offers"])
    # as a mail provider sends it: form-encoded body, no cookies
    done = client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert gate(client, cid, topic="offers")["reason"] == "withdrawn"
    assert gate(client, cid, topic="news")["allowed"] is True
    (entry,) = [
        e
        for e in client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
        if e["action"] == "withdrawn"
    ]
    assert (entry["source"], entry["channel"], entry["topic"]) == (
        "one_click_unsubscribe",
        "sms",
        "offers",
    )
    assert client.post(url, files={"List-Unsubscribe": (None, "One-Click")}).status_code == 200
    report = client.get("/api/reports/preferences").json()
    assert report["by_source"]["one_click_unsubscribe"]["topic_unsubscribe"] == 1


def test_refused_posts_change_nothing(client: TestClient) -> None:
    cid = new_contact(client, "gil@example.org")
    consent(client, cid, channel="sms", topic="offers")
    url = path_of(links(client, cid)["unsubscribe"]["sms"]["offers"])
    token = url.rsplit("/", 1)[1]
    size = ledger_size(client)
    assert client.post(url).status_code == 400  # no List-Unsubscribe=One-Click
    assert client.post(url, data={"List-Unsubscribe": "Yes"}).status_code == 400
    tampered = client.post(f"/u/{tamper(token)}", data=ONE_CLICK)
    assert tampered.status_code == 400 and "Nothing was changed" in tampered.text
    forged = tamper(token).split(".")[0] + "." + token.split(".")[1]
    assert client.post(f"/u/{forged}", data=ONE_CLICK).status_code == 400
    expired = token_for(
        Purpose.UNSUB, cid, expires_at=now_millis() - 1, channel="sms", topic="offers"
    )
    late = client.post(f"/u/{expired}", data=ONE_CLICK)
    assert late.status_code == 410 and "expired" in late.text
    prefs = path_of(links(client, cid)["preference_center"]).rsplit("/", 1)[1]
    assert client.post(f"/u/{prefs}", data=ONE_CLICK).status_code == 400  # wrong purpose
    assert ledger_size(client) == size
    assert gate(client, cid)["allowed"] is True


def test_double_opt_in_confirmation(client: TestClient) -> None:
    cid = new_contact(client, "hana@example.org")
    consent(client, cid, channel="email", topic="news")
    url = path_of(outbox_payloads(client, "consent.confirmation_requested")[0]["confirm_url"])
    size = ledger_size(client)
    page = client.get(url)
    assert page.status_code == 200 and "Yes, confirm" in page.text
    assert ledger_size(client) == size
    assert gate(client, cid, channel="email", topic="news")["reason"] == "pending_confirmation"
    assert client.post(url, data={"csrf": "0" * 64}).status_code == 403
    tampered = client.post(f"/c/{tamper(url.rsplit('/', 1)[1])}", data={"csrf": csrf_of(page.text)})
    assert tampered.status_code == 400
    assert ledger_size(client) == size
    done = client.post(url, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "confirmed" in done.text
    assert gate(client, cid, channel="email", topic="news")["allowed"] is True
    again = client.post(url, data={"csrf": csrf_of(page.text)})
    assert "Nothing to confirm" in again.text
    (entry,) = [
        e
        for e in client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
        if e["action"] == "confirmed"
    ]
    assert entry["source"] == "double_opt_in" and entry["user_agent"] == "testclient"
