"""The preference center over HTTP, as a browser without JavaScript uses it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cadence.consent.tokens import Purpose
from cadence.runtime import now_millis
from tests.consent.apihelp import consent, gate, later, new_contact

from .pagehelp import csrf_of, form_action, ledger_size, links, path_of, tamper, token_for


def open_center(client: TestClient, contact_id: int) -> tuple[str, str]:
    url = path_of(links(client, contact_id)["preference_center"])
    page = client.get(url)
    assert page.status_code == 200
    return url, page.text


def test_page_shows_choices_and_changes_nothing(client: TestClient) -> None:
    cid = new_contact(client, "amy@example.org", first_name="Amy")
    consent(client, cid, channel="sms", topic="offers", frequency="weekly")
    size = ledger_size(client)
    url, html = open_center(client, cid)
    assert "a\u2022\u2022\u2022@example.org" in html and "amy@example.org" not in html
    assert 'id="sub-sms-offers" name="sub" value="sms:offers" checked' in html
    assert '<label for="sub-sms-offers">' in html
    assert '<option value="weekly" selected>' in html
    assert 'value="Amy"' in html
    assert ledger_size(client) == size
    headers = client.get(url).headers
    assert (
        headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in headers["content-security-policy"]
    )
    assert client.get("/static/cadence/cadence.css").status_code == 200


def test_saving_records_what_changed_and_the_report_counts_it(client: TestClient) -> None:
    cid = new_contact(client, "bo@example.org")
    consent(client, cid, channel="sms", topic="offers", frequency="weekly")
    consent(client, cid, channel="sms", topic="news")
    url, html = open_center(client, cid)
    form = {
        "csrf": csrf_of(html),
        "sub": ["sms:offers", "sms:events"],
        "freq:offers": "monthly",
        "pause": "30",
        "action": "save",
        "profile:first_name": "Bo",
    }
    saved = client.post(form_action(html), data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?done=saved"
    assert "Your choices are saved." in client.get(saved.headers["location"]).text
    state = {
        (r["topic"]): (r["status"], r["frequency"], r["paused"])
        for r in client.get(f"/api/contacts/{cid}/consents").json()["consents"]
    }
    assert state["offers"] == ("granted", "monthly", True)
    assert state["news"][0] == "withdrawn"
    assert state["events"][0] == "granted"
    assert gate(client, cid, topic="offers")["reason"] == "paused"
    assert gate(client, cid, topic="offers", at=later(days=31))["allowed"] is True
    assert client.get(f"/api/contacts/{cid}").json()["traits"]["first_name"] == "Bo"
    history = client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
    assert {e["source"] for e in history[2:]} == {"preference_center"}
    assert history[-1]["user_agent"] == "testclient"
    report = client.get("/api/reports/preferences").json()
    assert report["counts"]["reduced_frequency"] == 1
    assert report["counts"]["paused"] == 1
    assert report["counts"]["topic_unsubscribe"] == 1
    assert report["counts"]["full_unsubscribe"] == 0
    assert report["stayed_instead_of_leaving"] == 1


def test_less_often_and_leaving_everything(client: TestClient) -> None:
    cid = new_contact(client, "cat@example.org")
    consent(client, cid, channel="sms", topic="*")
    consent(client, cid, channel="phone", topic="events", frequency="quarterly")
    _, html = open_center(client, cid)
    client.post(form_action(html), data={"csrf": csrf_of(html), "action": "less"})
    rows = client.get(f"/api/contacts/{cid}/consents").json()["preferences"]["frequency"]
    assert rows["sms:news"] == "monthly" and rows["phone:events"] == "quarterly"
    _, html = open_center(client, cid)
    done = client.post(form_action(html), data={"csrf": csrf_of(html), "action": "unsubscribe_all"})
    assert "unsubscribed from everything" in done.text
    rows = client.get(f"/api/contacts/{cid}/consents").json()["consents"]
    assert {r["status"] for r in rows} == {"withdrawn"}
    assert gate(client, cid, channel="phone", topic="events")["reason"] == "withdrawn"
    assert client.get("/api/reports/preferences").json()["counts"]["full_unsubscribe"] == 1


def test_csrf_and_bad_tokens_change_nothing(client: TestClient) -> None:
    cid = new_contact(client, "dan@example.org")
    consent(client, cid, channel="sms", topic="offers")
    url, html = open_center(client, cid)
    size = ledger_size(client)
    leave = {"action": "unsubscribe_all"}
    assert client.post(url, data=leave).status_code == 403
    assert client.post(url, data={**leave, "csrf": "0" * 64}).status_code == 403
    token = url.rsplit("/", 1)[1]
    forged = client.post(f"/p/{tamper(token)}", data={**leave, "csrf": csrf_of(html)})
    assert forged.status_code == 400 and "not valid" in forged.text
    expired = token_for(Purpose.PREFS, cid, expires_at=now_millis() - 1)
    gone = client.get(f"/p/{expired}")
    assert gone.status_code == 410 and "expired" in gone.text
    wrong = token_for(
        Purpose.UNSUB, cid, expires_at=now_millis() + 60_000, channel="sms", topic="offers"
    )
    assert client.get(f"/p/{wrong}").status_code == 400
    assert client.get("/p/not-a-token").status_code == 400
    assert ledger_size(client) == size
    assert gate(client, cid)["allowed"] is True
