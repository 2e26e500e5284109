"""Subscribe forms over HTTP: incentives per audience, abuse protection, the opt-in report."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cadence.db.tables import form_submissions
from tests.consent.apihelp import engine_of, gate, outbox_payloads
from tests.helpers import call, contact_by, send

from .formhelp import FORMS, apply_forms, view_token


def incentive_on(html: str) -> str | None:
    found = re.search(r'<p class="incentive"><strong>([^<]+)</strong>', html)
    return found.group(1) if found else None


def outcomes(client: TestClient) -> list[str]:
    with engine_of(client).connect() as conn:
        return [
            o
            for (o,) in conn.execute(
                form_submissions.select()
                .with_only_columns(form_submissions.c.outcome)
                .order_by(form_submissions.c.id)
            )
        ]


def test_incentive_follows_the_audience(client: TestClient) -> None:
    apply_forms(client)
    assert incentive_on(client.get("/f/newsletter").text) == "Win a weekend away"
    assert incentive_on(client.get("/f/newsletter?utm_source=LinkedIn").text).startswith(
        "Free guide"
    )
    assert incentive_on(client.get("/f/newsletter?email=kim@acme.io").text).startswith("Free guide")
    assert (
        incentive_on(client.get("/f/newsletter?email=kim@gmail.com").text) == "Win a weekend away"
    )
    assert incentive_on(client.get("/f/newsletter?country=DE").text) == "Win a weekend away"
    send(client, call("identify", anonymousId="visitor-1", traits={"email": "buyer@gmail.com"}))
    send(
        client,
        call("track", anonymousId="visitor-1", event="Order Completed", properties={"revenue": 5}),
    )
    known = client.get("/f/newsletter?anonymous_id=visitor-1").text
    assert incentive_on(known) == "Save 10% on your next order"
    report = client.get("/api/reports/forms").json()["rows"]
    audiences = {(r["incentive"], r["audience"]): r["views"] for r in report}
    assert audiences == {
        ("prize", "everyone"): 2,
        ("prize", "germany"): 1,
        ("guide", "social"): 1,
        ("guide", "b2b"): 1,
        ("save10", "customers"): 1,
    }


def test_subscribing_records_the_opt_in_with_the_exact_wording(client: TestClient) -> None:
    apply_forms(client)
    page = client.get("/f/newsletter?utm_source=x")
    assert page.headers["content-security-policy"].count("https://www.example.com") == 1
    assert "x-frame-options" not in page.headers
    form = {
        "v": view_token(page.text),
        "email": "Lou@Acme.io",
        "phone": "+49 30 1234567",
        "topic": ["news", "offers"],
        "channel": ["email", "sms"],
        "frequency": "monthly",
        "website": "",
    }
    done = client.post("/f/newsletter", data=form)
    assert done.status_code == 200 and "Confirm your subscription" in done.text
    contact = contact_by(client, email="lou@acme.io")
    assert contact["traits"]["phone"] == "+49 30 1234567"
    history = client.get(f"/api/contacts/{contact['id']}/consents/history").json()["entries"]
    assert len(history) == 4 and {e["source"] for e in history} == {"form"}
    assert history[0]["wording"].startswith("Yes, send me the topics I ticked")
    assert {e["frequency"] for e in history} == {"monthly"}
    assert gate(client, contact["id"], channel="sms", topic="news")["allowed"] is True
    assert (
        gate(client, contact["id"], channel="email", topic="news")["reason"]
        == "pending_confirmation"
    )
    assert len(outbox_payloads(client, "consent.confirmation_requested")) == 2
    again = client.post("/f/newsletter", data=form)
    assert again.status_code == 409  # a display is good for one submission
    report = {
        (r["incentive"], r["audience"]): r for r in client.get("/api/reports/forms").json()["rows"]
    }
    assert (
        report[("guide", "social")]["optins"] == 1
        and report[("guide", "social")]["optin_rate"] == 1.0
    )
    assert outcomes(client) == ["accepted", "reused"]


def test_invalid_honeypot_and_forged_submissions_write_no_consent(client: TestClient) -> None:
    apply_forms(client)
    page = client.get("/f/newsletter").text
    token = view_token(page)
    invalid = client.post("/f/newsletter", data={"v": token, "email": "nope", "channel": ["sms"]})
    assert invalid.status_code == 400
    assert 'href="#email"' in invalid.text and 'href="#topics"' in invalid.text
    assert 'href="#phone"' in invalid.text and 'aria-invalid="true"' in invalid.text
    bot = client.post(
        "/f/newsletter",
        data={
            "v": token,
            "email": "bot@spam.io",
            "topic": "news",
            "channel": "email",
            "website": "http://spam",
        },
    )
    assert bot.status_code == 200 and "Thank you" in bot.text  # bots learn nothing
    forged = client.post("/f/newsletter", data={"v": "1.2.abc", "email": "a@b.io", "topic": "news"})
    assert forged.status_code == 403
    other = client.post("/f/other", data={"v": token})
    assert other.status_code == 404
    assert client.get("/api/contacts", params={"email": "bot@spam.io"}).json()["items"] == []
    assert outcomes(client) == ["invalid", "honeypot", "forged"]


def test_rate_limit_per_ip(client: TestClient) -> None:
    apply_forms(client)
    token = view_token(client.get("/f/newsletter").text)
    codes = [
        client.post("/f/newsletter", data={"v": token, "email": "x"}).status_code for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]
    assert outcomes(client)[-1] == "limited"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("topics: [gossip]", "forms[0].topics[0]"),
        ("channels: [fax]", "forms[0].channels[0]"),
        (
            "audiences: [{key: b2b, context: {email_domain: maybe}}]",
            "forms[0].audiences[0].context.email_domain",
        ),
        (
            "audiences: [{key: vip, condition: {field: nonsense, op: eq, value: 1}}]",
            "forms[0].audiences[0].condition",
        ),
        ("incentives: []", "forms[0].incentives"),
        (
            "incentives: [{key: a, text: b, audiences: [martians]}]",
            "forms[0].incentives[0].audiences",
        ),
    ],
)
def test_bad_form_definitions_are_refused(client: TestClient, change: str, field: str) -> None:
    base = "forms:\n  - key: f\n    title: T\n    wording: W\n    incentives: [{key: a, text: b}]\n"
    text = (
        base.replace("    incentives: [{key: a, text: b}]\n", "")
        if change.startswith("incentives")
        else base
    )
    answer = client.put("/api/config", content=(text + "    " + change + "\n").encode())
    assert answer.status_code == 400, answer.text
    assert any(e["field"].startswith(field) for e in answer.json()["errors"]), answer.json()


def test_forms_round_trip_through_the_workspace(client: TestClient) -> None:
    apply_forms(client)
    exported = client.get("/api/config").json()["forms"]
    assert exported[0]["key"] == "newsletter" and len(exported[0]["incentives"]) == 3
    assert client.put("/api/config", content=FORMS.encode()).json()["changes"] == 0
    assert client.get("/api/forms").json()["forms"][0]["url"].endswith("/f/newsletter")
