"""The ``messages:`` section of the workspace file: applied once, idempotent, exported back."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from tests.helpers import call, contact_by, send

DOCUMENT = """
segments:
  - key: emea
    name: EMEA
    condition: {field: traits.country, op: in, value: [DE, FR, GB]}
messages:
  - key: spring-offer
    channel: email
    topic: offers
    priority: 5
    on_limit: defer
    subject: "{{ contact.traits.first_name | default('Hello') }}, your spring offer"
    html: "<p>{{ blocks.region }}</p>"
    text: "{{ blocks.region }}"
    blocks:
      region:
        - when: {segment: emea}
          html: "<b>Europe</b>"
          text: Europe
        - html: "<b>World</b>"
          text: World
  - key: sms-reminder
    channel: sms
    topic: events
    priority: 1
    on_limit: drop
    text: "Hi {{ first_name() }}, see you tomorrow"
"""


def put(client: TestClient, text: str, **params: str) -> tuple[int, dict[str, Any]]:
    response = client.put(
        "/api/config",
        content=text.encode(),
        params=params,
        headers={"Content-Type": "application/yaml"},
    )
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_applying_twice_changes_nothing_and_export_round_trips(client: TestClient) -> None:
    status, dry = put(client, DOCUMENT, dry_run="true")
    assert status == 200, dry
    assert dry["messages"]["created"] == ["sms-reminder", "spring-offer"]
    assert client.get("/api/messages").json()["items"] == []
    status, first = put(client, DOCUMENT)
    assert (status, first["applied"], first["changes"]) == (200, True, 3)
    status, second = put(client, DOCUMENT)
    assert (second["changes"], second["applied"]) == (0, False)
    assert second["messages"]["unchanged"] == ["sms-reminder", "spring-offer"]
    exported = yaml.safe_load(client.get("/api/config", params={"format": "yaml"}).text)
    assert exported == yaml.safe_load(DOCUMENT)
    assert put(client, yaml.safe_dump(exported))[1]["changes"] == 0

    send(client, call("identify", userId="eu", traits={"country": "FR"}))
    eu = contact_by(client, user_id="eu")["id"]
    rendered = client.post("/api/messages/spring-offer/preview", json={"contact_id": eu}).json()
    assert (rendered["subject"], rendered["text"]) == ("Hello, your spring offer", "Europe")


def test_changes_and_deletions_touch_only_what_the_file_manages(client: TestClient) -> None:
    put(client, DOCUMENT)
    api_made = {"channel": "sms", "topic": "news", "text": "From the API"}
    assert client.put("/api/messages/from-api", json=api_made).status_code == 200
    document = yaml.safe_load(DOCUMENT)
    document["messages"] = [m for m in document["messages"] if m["key"] == "sms-reminder"]
    document["messages"][0]["priority"] = 2
    changed = yaml.safe_dump(document)
    status, body = put(client, changed)
    assert status == 200, body
    assert body["messages"] == {
        "created": [],
        "updated": ["sms-reminder"],
        "deleted": ["spring-offer"],
        "unchanged": [],
    }
    keys = [m["key"] for m in client.get("/api/messages").json()["items"]]
    assert keys == ["from-api", "sms-reminder"]
    assert client.get("/api/messages/sms-reminder").json()["priority"] == 2


def test_an_invalid_section_names_every_problem_and_changes_nothing(client: TestClient) -> None:
    broken = DOCUMENT.replace(
        'text: "Hi {{ first_name() }}, see you tomorrow"',
        'text: "Hi\\n{{ contact.traits.nickname }}"\n    subject: nope',
    ).replace("on_limit: defer", "on_limit: later")
    status, body = put(client, broken)
    assert status == 400
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "messages[0].on_limit": "one of defer, drop",
        "messages[1].subject": "not used by sms messages",
    }
    broken = DOCUMENT.replace(
        'text: "Hi {{ first_name() }}, see you tomorrow"',
        'text: "Hi\\n{{ contact.traits.nickname }}"',
    )
    status, body = put(client, broken)
    assert body["errors"] == [
        {
            "field": "messages[1].text",
            "message": (
                "line 2, column 19: 'nickname' has no value; "
                "give it a fallback with | default('...')"
            ),
        }
    ]
    assert client.get("/api/messages").json()["items"] == []
    assert client.get("/api/segments").json()["items"] == []
