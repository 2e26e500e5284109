"""Messages through the REST API: saved only when valid, previewed as any contact."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import call, contact_by, send

OFFER: dict[str, Any] = {
    "channel": "email",
    "topic": "offers",
    "priority": 5,
    "subject": "{{ contact.traits.first_name | default('Hello') }}, your spring offer",
    "preheader": "For {{ account.name | default('you') }}",
    "html": (
        "<p>Hello {{ first_name() }},</p>{{ blocks.offer }}"
        '<a href="{{ links.unsubscribe }}">Unsubscribe</a>'
    ),
    "text": "Hello {{ first_name() }},\n{{ blocks.offer }}\n{{ links.preferences }}",
    "blocks": {
        "offer": [
            {
                "when": {
                    "all": [
                        {"segment": "emea"},
                        {"field": "traits.role", "op": "eq", "value": "decision-maker"},
                    ]
                },
                "html": "<p>Meet us in Berlin, {{ account.name | default('friend') }}</p>",
                "text": "Meet us in Berlin",
            },
            {
                "when": {"event": "Demo Requested", "within_days": 30},
                "html": "<p>Your demo is booked</p>",
                "text": "Your demo is booked",
            },
            {"html": "<p>Book a demo</p>", "text": "Book a demo"},
        ]
    },
}


def put(client: TestClient, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.put(f"/api/messages/{key}", json=body)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def preview(client: TestClient, key: str, contact_id: int) -> dict[str, Any]:
    response = client.post(f"/api/messages/{key}/preview", json={"contact_id": contact_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def contact_id(client: TestClient, user_id: str) -> int:
    return int(contact_by(client, user_id=user_id)["id"])


def test_preview_renders_traits_account_blocks_and_links(client: TestClient) -> None:
    send(
        client,
        call(
            "identify",
            userId="ann",
            traits={"first_name": "Ann", "country": "DE", "role": "decision-maker"},
        ),
        call("group", userId="ann", groupId="acme", traits={"name": "Acme & <Sons>"}),
        call("identify", userId="bob", traits={"country": "US", "first_name": "<b>Bob</b>"}),
        call("track", userId="bob", event="Demo Requested"),
        call("identify", userId="cy", traits={"country": "DE"}),
    )
    created = client.post(
        "/api/segments",
        json={
            "key": "emea",
            "name": "EMEA",
            "condition": {"field": "traits.country", "op": "in", "value": ["DE", "FR"]},
        },
    )
    assert created.status_code == 201, created.text
    status, saved = put(client, "spring-offer", OFFER)
    assert status == 200, saved
    assert saved["created"] is True and saved["managed_by"] == "api"

    ann = preview(client, "spring-offer", contact_id(client, "ann"))
    assert ann["subject"] == "Ann, your spring offer"
    assert ann["preheader"] == "For Acme & <Sons>"  # plain-text parts are not escaped
    assert ann["html"] == (
        "<p>Hello Ann,</p><p>Meet us in Berlin, Acme &amp; &lt;Sons&gt;</p>"
        '<a href="http://127.0.0.1:8000/u/preview">Unsubscribe</a>'
    )
    assert ann["text"] == "Hello Ann,\nMeet us in Berlin\nhttp://127.0.0.1:8000/p/preview"
    assert ann["blocks"] == {"offer": 0}

    bob = preview(client, "spring-offer", contact_id(client, "bob"))
    assert bob["html"].startswith("<p>Hello &lt;b&gt;Bob&lt;/b&gt;,</p><p>Your demo is booked</p>")
    assert bob["blocks"] == {"offer": 1}

    cy = preview(client, "spring-offer", contact_id(client, "cy"))
    assert cy["subject"] == "Hello, your spring offer"  # a missing trait takes its default
    assert cy["preheader"] == "For you"  # no account
    assert cy["text"].startswith("Hello there,\nBook a demo\n")
    assert cy["blocks"] == {"offer": 2}


def test_invalid_templates_are_refused_with_line_and_column(client: TestClient) -> None:
    body = {
        **OFFER,
        "subject": "Hi {{ contact.traits.first_name }}",
        "html": "<p>\n  {{ contct.email }}</p>",
        "text": "{% if contact %}{{ blocks.offer }",
    }
    status, answer = put(client, "broken", body)
    assert status == 400
    assert {e["field"]: e["message"] for e in answer["errors"]} == {
        "subject": (
            "line 1, column 22: 'first_name' has no value; give it a fallback with | default('...')"
        ),
        "html": (
            "line 2, column 6: unknown variable 'contct'; did you mean 'contact'? templates see "
            "account, blocks, contact, first_name, links, recent_events, segments"
        ),
        "text": "line 1, column 33: unexpected '}'",
    }
    assert client.get("/api/messages/broken").status_code == 404
    status, answer = put(client, "escape", {**OFFER, "html": "{{ ''.__class__.__mro__ }}"})
    assert status == 400
    assert answer["errors"][0] == {
        "field": "html",
        "message": "line 1, column 7: '__class__': names starting with _ cannot be read",
    }
    status, answer = put(client, "other", {**OFFER, "key": "mismatch"})
    assert (status, answer["errors"][0]["field"]) == (400, "key")


def test_list_get_replace_and_missing_things(client: TestClient) -> None:
    sms = {"channel": "sms", "topic": "events", "text": "Hi {{ first_name() }}, see you"}
    assert put(client, "reminder", sms)[0] == 200
    assert put(client, "spring-offer", OFFER)[0] == 200
    status, replaced = put(client, "reminder", {**sms, "priority": 9, "on_limit": "drop"})
    assert (status, replaced["created"], replaced["priority"]) == (200, False, 9)
    items = client.get("/api/messages").json()["items"]
    assert [m["key"] for m in items] == ["reminder", "spring-offer"]
    assert client.get("/api/messages/reminder").json() == {
        "key": "reminder",
        "channel": "sms",
        "topic": "events",
        "priority": 9,
        "on_limit": "drop",
        "text": "Hi {{ first_name() }}, see you",
        "managed_by": "api",
    }
    missing = client.post("/api/messages/nope/preview", json={"contact_id": 1})
    assert missing.status_code == 404
    nobody = client.post("/api/messages/reminder/preview", json={"contact_id": 999})
    assert nobody.status_code == 404
    assert client.get("/api/messages", headers={"Authorization": ""}).status_code == 401


def test_sms_and_webhook_parts_render(client: TestClient) -> None:
    send(client, call("identify", userId="dee", traits={"first_name": "Dee", "email": "d@x.io"}))
    dee = contact_id(client, "dee")
    put(client, "sms", {"channel": "sms", "topic": "events", "text": "Hi {{ first_name() }} & co"})
    hook = {
        "channel": "webhook",
        "topic": "news",
        "json": {"email": "{{ contact.email }}", "tags": ["{{ segments | length }}", 3, None]},
    }
    assert put(client, "hook", hook)[0] == 200
    assert preview(client, "sms", dee)["text"] == "Hi Dee & co"
    rendered = preview(client, "hook", dee)
    assert rendered["json"] == {"email": "d@x.io", "tags": ["0", 3, None]}
    assert "html" not in rendered


def test_a_contact_lacking_a_guarded_value_fails_clearly(client: TestClient) -> None:
    send(client, call("identify", userId="vip", traits={"vip": True}))
    body = {
        "channel": "email",
        "topic": "offers",
        "subject": "News",
        "text": "Hi\n{% if contact.traits.vip %}Dear {{ contact.traits.vip_name }}{% endif %}",
    }
    assert put(client, "vip", body)[0] == 200  # fine for the sample contact, who is no VIP
    response = client.post(
        "/api/messages/vip/preview", json={"contact_id": contact_id(client, "vip")}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "render_failed"
    assert response.json()["errors"] == [
        {
            "field": "text",
            "message": "line 2: 'vip_name' has no value; give it a fallback with | default('...')",
        }
    ]
