"""Lead scoring, grading and the lifecycle, through the workspace file and the API."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient

from cadence.db.types import to_millis
from cadence.scheduler import run_until_idle
from tests.helpers import call, contact_by, send

LEADS = """
scoring:
  half_life_days: 30
  bands: [80, 50, 25, 10]
  rules:
    - {key: pricing-visit, event: Page Viewed, where: {path: /pricing}, points: 10}
    - {key: whitepaper, event: Whitepaper Downloaded, points: 25}
    - {key: demo, event: Demo Requested, points: 60}
    - {key: email-click, event: Email Clicked, points: 5, max_per_day: 3}
    - {key: unsubscribe, event: Unsubscribed, points: -30}
grading:
  grades: [70, 50, 30, 10]
  criteria:
    - key: senior-title
      when: {field: traits.job_title, op: matches, value: "(Director|VP|Head|Chief)"}
      points: 30
    - key: company-size
      when: {field: account.employees, op: gte, value: 200}
      points: 20
segments:
  - key: hot
    name: Band 1 or 2
    condition: {field: band, op: lte, value: 2}
"""


def apply(client: TestClient, text: str) -> dict[str, object]:
    response = client.put(
        "/api/config", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_decayed_score_band_and_explanation(client: TestClient) -> None:
    apply(client, LEADS)
    send(
        client,
        call("track", userId="s", event="Whitepaper Downloaded", timestamp=ago(30)),
        call("page", userId="s", properties={"path": "/pricing"}, timestamp=ago(0)),
        call("page", userId="s", properties={"path": "/blog"}, timestamp=ago(0)),
    )
    contact = contact_by(client, user_id="s")
    assert contact["score"]["value"] == pytest.approx(12.5 + 10, abs=0.01)
    assert contact["score"]["band"] == 4
    why = client.get(f"/api/contacts/{contact['id']}/score").json()
    rules = {r["key"]: r for r in why["score"]["rules"]}
    assert rules["whitepaper"]["counted"] == 1
    assert rules["whitepaper"]["decayed_points"] == pytest.approx(12.5, abs=0.01)
    assert rules["pricing-visit"]["raw_points"] == 10


def test_daily_cap_and_negative_points(client: TestClient) -> None:
    apply(client, LEADS)
    day = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    clicks = [
        call(
            "track",
            userId="c",
            event="Email Clicked",
            timestamp=(day + timedelta(minutes=i)).isoformat(),
        )
        for i in range(5)
    ]
    send(client, *clicks[2:])
    send(client, *clicks[:2])  # late arrivals earlier in the day displace counted ones
    send(client, call("track", userId="c", event="Unsubscribed", timestamp=day.isoformat()))
    contact = contact_by(client, user_id="c")
    hours = (datetime.now(UTC) - day).total_seconds() / 3600
    expected = (15 - 30) * 2 ** (-hours / (30 * 24))
    assert contact["score"]["value"] == pytest.approx(expected, abs=0.05)
    why = client.get(f"/api/contacts/{contact['id']}/score").json()
    click = next(r for r in why["score"]["rules"] if r["key"] == "email-click")
    assert (click["counted"], click["capped"]) == (3, 2)


def test_grade_mql_and_sales_decisions(client: TestClient) -> None:
    apply(client, LEADS)
    send(
        client,
        call("identify", userId="m", traits={"job_title": "VP Marketing", "email": "m@x.io"}),
        call("group", userId="m", groupId="acme", traits={"employees": 500}),
    )
    contact = contact_by(client, user_id="m")
    assert contact["grade"] == {"letter": "B", "fit": 50.0}
    assert contact["lifecycle_stage"] == "lead"
    send(client, call("track", userId="m", event="Demo Requested", timestamp=ago(0)))
    contact = contact_by(client, user_id="m")
    assert contact["score"]["band"] == 2
    assert contact["lifecycle_stage"] == "mql"
    assert contact["segments"] == ["hot"]
    refused = client.post(f"/api/contacts/{contact['id']}/lifecycle", json={"action": "reject"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "reason"
    accepted = client.post(
        f"/api/contacts/{contact['id']}/lifecycle", json={"action": "accept", "by": "ana@sales"}
    )
    assert accepted.json() == {"from": "mql", "to": "sql"}
    send(client, call("track", userId="m", event="Order Completed", properties={"revenue": 100}))
    stages = [
        (h["from"], h["to"], h["by"])
        for h in client.get(f"/api/contacts/{contact['id']}/lifecycle").json()["items"]
    ]
    assert stages == [
        ("lead", "mql", "rule:mql"),
        ("mql", "sql", "ana@sales"),
        ("sql", "customer", "rule:order"),
    ]
    matrix = client.get("/api/leads/matrix").json()["cells"]
    assert matrix["B2"] == 1
    report = client.get("/api/reports/lifecycle").json()
    assert report["stages"]["customer"] == 1
    assert report["conversion"][0]["rate"] == 1.0


def test_decay_moves_the_band_at_the_computed_moment(client: TestClient) -> None:
    apply(client, LEADS)
    send(client, call("track", userId="d", event="Demo Requested", timestamp=ago(0)))
    assert contact_by(client, user_id="d")["segments"] == ["hot"]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    # 60 * 2**(-t/30) falls below 50 after 30*log2(1.2) = 7.9 days
    soon = run_until_idle(engine, now=to_millis(datetime.now(UTC) + timedelta(days=7)))
    assert soon.bands == 0
    later = run_until_idle(engine, now=to_millis(datetime.now(UTC) + timedelta(days=8)))
    assert later.bands == 1
    assert later.exited == 1


def test_changing_the_rules_rescores_everybody_exactly(client: TestClient) -> None:
    apply(client, LEADS)
    send(
        client,
        *[
            call("track", userId=f"r{i}", event="Whitepaper Downloaded", timestamp=ago(i))
            for i in range(4)
        ],
        *[call("track", userId="r1", event="Email Clicked", timestamp=ago(1)) for _ in range(5)],
    )
    changed = LEADS.replace("points: 25", "points: 40").replace("max_per_day: 3", "max_per_day: 1")
    result = apply(client, changed)
    assert result["leads"]["updated"] == ["scoring"]  # type: ignore[index]
    for i in range(4):
        contact = contact_by(client, user_id=f"r{i}")
        why = client.get(f"/api/contacts/{contact['id']}/score").json()
        assert contact["score"]["value"] == pytest.approx(why["score"]["score"], abs=1e-3)
    assert contact_by(client, user_id="r0")["score"]["value"] == pytest.approx(40, abs=0.01)
    assert apply(client, changed)["changes"] == 0


def test_merged_contacts_add_up(client: TestClient) -> None:
    apply(client, LEADS)
    send(
        client, call("track", anonymousId="anon-x", event="Whitepaper Downloaded", timestamp=ago(0))
    )
    send(client, call("track", userId="known-x", event="Whitepaper Downloaded", timestamp=ago(0)))
    send(client, call("identify", userId="known-x", anonymousId="anon-x"))
    assert contact_by(client, user_id="known-x")["score"]["value"] == pytest.approx(50, abs=0.01)


def test_crm_webhook_is_signed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(client, LEADS)
    send(
        client,
        call("identify", userId="crm", traits={"email": "crm@x.io", "job_title": "Chief of Staff"}),
    )
    contact = contact_by(client, user_id="crm")
    body = orjson.dumps(
        {"contact": {"email": "crm@x.io"}, "action": "customer", "reason": "signed"}
    )
    assert client.post("/api/webhooks/crm", content=body).status_code == 403  # no secret configured
    client.app.state.settings.crm_webhook_secret = "s3cret"  # type: ignore[attr-defined]
    signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert (
        client.post(
            "/api/webhooks/crm", content=body, headers={"X-Cadence-Signature": "sha256=00"}
        ).status_code
        == 401
    )
    done = client.post(
        "/api/webhooks/crm", content=body, headers={"X-Cadence-Signature": signature}
    )
    assert done.json() == {"from": "lead", "to": "customer"}
    assert contact_by(client, user_id="crm")["lifecycle_stage"] == "customer"
    assert contact["id"] == contact_by(client, email="crm@x.io")["id"]
