"""Open pixel and click redirect through the real app: events recorded, no open redirect,
merged and erased contacts never break tracking."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from cadence.channels.tracking import click_token, open_token, tracking_key
from cadence.config import Settings
from cadence.db.tables import events, sends
from cadence.runtime import now_millis
from tests.helpers import call, contact_by, send


def _key(settings: Settings) -> bytes:
    return tracking_key(secret=settings.secret_key)


def book_send(client: TestClient, contact_id: int, message: str = "spring-offer") -> int:
    """A sends row as the sender books it (status sent)."""
    with client.app.state.engine.begin() as conn:  # type: ignore[attr-defined]
        send_id = conn.execute(
            insert(sends)
            .values(
                contact_id=contact_id,
                channel="email",
                topic="offers",
                message_key=message,
                source="campaign:1",
                status="sent",
                at=now_millis(),
            )
            .returning(sends.c.id)
        ).scalar_one()
    return int(send_id)


def tracked(client: TestClient, name: str) -> list[dict[str, Any]]:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(events.c.contact_id, events.c.properties).where(events.c.name == name)
        )
        return [{"contact_id": r.contact_id, **r.properties} for r in rows]


def test_open_pixel_records_an_open(client: TestClient, settings: Settings) -> None:
    send(client, call("identify", userId="ada", traits={"email": "ada@example.org"}))
    ada = contact_by(client, user_id="ada")["id"]
    send_id = book_send(client, ada)
    answer = client.get(f"/t/o/{open_token(key=_key(settings), send_id=send_id)}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/gif"
    assert answer.content.startswith(b"GIF89a")
    assert "no-store" in answer.headers["cache-control"]
    assert tracked(client, "Email Opened") == [
        {
            "contact_id": ada,
            "message": "spring-offer",
            "send_id": send_id,
            "source": "campaign:1",
            "topic": "offers",
        }
    ]


def test_click_redirects_only_to_the_signed_url(client: TestClient, settings: Settings) -> None:
    send(client, call("identify", userId="ada", traits={"email": "ada@example.org"}))
    ada = contact_by(client, user_id="ada")["id"]
    send_id = book_send(client, ada)
    url = "https://example.com/offer?a=1&b=2"
    token = click_token(key=_key(settings), send_id=send_id, url=url)
    answer = client.get(f"/t/c/{token}", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == url
    [click] = tracked(client, "Email Clicked")
    assert (click["contact_id"], click["url"], click["send_id"]) == (ada, url, send_id)
    # a token for another installation, an altered one, or an open token: 404, no redirect
    foreign = click_token(key=tracking_key(secret="another-secret-key-0123"), send_id=1, url=url)
    payload, mac = token.split(".")
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BA") + "." + mac
    for bad in (foreign, altered, open_token(key=_key(settings), send_id=send_id), "x.y"):
        refused = client.get(f"/t/c/{bad}", follow_redirects=False)
        assert refused.status_code == 404
        assert "location" not in refused.headers
    assert len(tracked(client, "Email Clicked")) == 1


def test_merged_contact_gets_the_event_and_erased_contact_breaks_nothing(
    client: TestClient, settings: Settings
) -> None:
    send(client, call("page", anonymousId="anon-1", properties={"path": "/"}))
    anonymous = contact_by(client, anonymous_id="anon-1")["id"]
    send_id = book_send(client, anonymous)
    send(client, call("identify", userId="bo", traits={"email": "bo@example.org"}))
    send(client, call("identify", userId="bo", anonymousId="anon-1"))  # merges the two
    survivor = contact_by(client, user_id="bo")["id"]
    key = _key(settings)
    assert client.get(f"/t/o/{open_token(key=key, send_id=send_id)}").status_code == 200
    assert [e["contact_id"] for e in tracked(client, "Email Opened")] == [survivor]

    assert client.delete(f"/api/contacts/{survivor}").status_code == 200
    assert client.get(f"/t/o/{open_token(key=key, send_id=send_id)}").status_code == 200
    url = "https://example.com/after-erasure"
    answer = client.get(
        f"/t/c/{click_token(key=key, send_id=send_id, url=url)}", follow_redirects=False
    )
    assert (answer.status_code, answer.headers["location"]) == (302, url)
    assert tracked(client, "Email Opened") == []  # erased with the contact
    assert tracked(client, "Email Clicked") == []
