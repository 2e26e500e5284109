"""Factories for sending tests: a workspace with topics, channels, messages and a policy,
contacts with consent, and a static list to send to."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient

from cadence.api.app import create_app
from cadence.config import Settings
from tests.conftest import ADMIN_KEY
from tests.consent.apihelp import consent, new_contact
from tests.helpers import call, send

WORKSPACE = """
topics: [news, offers]
channels: [email, sms]
consent: {double_opt_in: []}
messages:
  - key: spring
    channel: email
    topic: offers
    priority: 1
    subject: "{{ first_name('there') }}, your spring offer"
    html: "<p>Hello {{ first_name() }}</p><p><a href='https://shop.example/spring'>Shop</a></p>"
    text: "Hello {{ first_name() }}: https://shop.example/spring {{ links.unsubscribe }}"
  - key: launch
    channel: email
    topic: news
    priority: 9
    on_limit: drop
    subject: "Big news"
    text: "We launched. {{ links.preferences }}"
  - key: still-there
    channel: email
    topic: news
    subject: "Do you still want to hear from us?"
    text: "Tell us: {{ links.preferences }}"
"""


@dataclass
class Sink:
    """An SMTP server's handler that keeps every message it accepts."""

    received: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.received.append(envelope)
        return "250 Message accepted"


class Mailbox:
    """An aiosmtpd server on a free loopback port."""

    def __init__(self, handler: Sink | None = None) -> None:
        self.handler = handler or Sink()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    def messages(self) -> list[Message]:
        with self.handler.lock:
            return [message_from_bytes(e.original_content or b"") for e in self.handler.received]

    def recipients(self) -> list[str]:
        with self.handler.lock:
            return [r for e in self.handler.received for r in e.rcpt_tos]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_url": mailbox.url, "smtp_connections": 2})


@pytest.fixture
def mail_client(mail_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
        yield client


def apply(client: TestClient, text: str) -> dict[str, Any]:
    response = client.put("/api/config", content=text)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def audience(client: TestClient, emails: list[str], *, topic: str = "offers") -> list[int]:
    """Contacts who opted in to ``topic`` by email, in a static list ``audience``."""
    ids = []
    for index, email in enumerate(emails):
        cid = new_contact(client, email, first_name=f"Person{index}")
        consent(client, cid, channel="email", topic=topic)
        ids.append(cid)
    if client.get("/api/segments/audience").status_code == 404:
        created = client.post("/api/segments", json={"key": "audience", "static": True})
        assert created.status_code == 201, created.text
    added = client.post("/api/segments/audience/members", json={"contact_ids": ids})
    assert added.status_code == 200, added.text
    return ids


def campaign(client: TestClient, message: str = "spring", **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/api/campaigns", json={"message": message, "segment": "audience", **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def crowd(client: TestClient, size: int, *, cohort: str = "crowd") -> None:
    """``size`` contacts (``p<i>@example.org``) who opted in to offers by email, in the
    dynamic segment ``audience`` — made with a few bulk calls, not one call per person."""
    created = client.post(
        "/api/segments",
        json={
            "key": "audience",
            "name": "Audience",
            "condition": {"field": "traits.cohort", "op": "eq", "value": cohort},
        },
    )
    assert created.status_code == 201, created.text
    emails = [f"p{i:05d}@example.org" for i in range(size)]
    for start in range(0, size, 500):
        batch = [
            call(
                "identify",
                userId=email,
                traits={"email": email, "cohort": cohort, "first_name": f"P{i}"},
            )
            for i, email in enumerate(emails[start : start + 500], start=start)
        ]
        send(client, *batch)
    rows = "".join(f"{email},yes\n" for email in emails)
    answer = client.post(
        "/api/imports/consents",
        files={"file": ("consent.csv", f"email,email:offers\n{rows}".encode(), "text/csv")},
        data={"source": "import", "basis": "express", "wording": "Tick to get offers by email"},
    )
    assert answer.status_code == 200, answer.text
