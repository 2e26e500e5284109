"""What became of a send is published to the outbox in the transaction that records it:
``message.sent``, ``message.failed`` and ``message.bounced``, which webhooks (and anything
reading the outbox) can react to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.channels.mail import message_ref
from cadence.channels.tracking import tracking_key
from cadence.config import Settings
from cadence.db.tables import outbox, send_jobs, sends
from cadence.scheduler import run_until_idle
from tests.campaigns.factory import WORKSPACE, Mailbox, Sink, apply
from tests.channels.bounce_corpus import read
from tests.channels.test_bounce_intake import HARD, HARD_ID, post
from tests.channels.test_tracking_pages import book_send
from tests.consent.apihelp import consent, engine_of, new_contact
from tests.helpers import call, contact_by, send
from tests.sending.test_delivery import NOW, book
from tests.webhooks.test_webhooks import Receiver, receiver

__all__ = ["receiver"]


class BusySink(Sink):
    """A server that answers 451 (try again later) while ``busy``."""

    busy = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.busy:
            return "451 Busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(handler=BusySink())
    yield box
    box.controller.stop()


HOOKS = """
webhooks:
  - key: crm
    url: {url}
    secret_env: CADENCE_TEST_HOOK_SECRET
    topics: [message.sent, message.failed]
"""
FLASH = "  - {key: flash, channel: sms, topic: offers, text: 'Flash sale today'}\n"


def published(client: TestClient) -> list[tuple[str, int, dict[str, Any]]]:
    o = outbox.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(
            select(o.topic, o.contact_id, o.payload).where(o.topic.like("message.%")).order_by(o.id)
        )
        return [(r[0], int(r[1]), r[2]) for r in rows]


def test_sent_and_failed_sends_are_published_and_reach_a_webhook(
    mail_client: TestClient,
    mail_settings: Settings,
    mailbox: Mailbox,
    receiver: tuple[Receiver, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, url = receiver
    monkeypatch.setenv("CADENCE_TEST_HOOK_SECRET", "hook-secret")
    apply(mail_client, WORKSPACE + FLASH + HOOKS.format(url=url))
    kim = new_contact(mail_client, "kim@example.org", first_name="Kim")
    consent(mail_client, kim, channel="email", topic="offers")
    book(mail_client, kim, "spring", "campaign:1:kim")
    lou = new_contact(mail_client, "lou@example.org", phone="+15550100")
    consent(mail_client, lou, channel="sms", topic="offers")  # no SMS provider: it fails
    book(mail_client, lou, "flash", "journey:welcome:lou")

    run_until_idle(engine_of(mail_client), now=NOW, settings=mail_settings)

    assert mailbox.recipients() == ["kim@example.org"]
    events = published(mail_client)
    assert sorted((topic, contact) for topic, contact, _ in events) == sorted(
        [("message.sent", kim), ("message.failed", lou)]
    )
    by_topic = {topic: payload for topic, _, payload in events}
    j, s = send_jobs.c, sends.c
    with engine_of(mail_client).connect() as conn:
        recorded = {
            r.contact_id: r
            for r in conn.execute(
                select(s.id, s.contact_id, s.status, j.provider_id).join(
                    send_jobs, j.send_id == s.id
                )
            )
        }
    sent = by_topic["message.sent"]
    assert sent == {
        "send_id": recorded[kim].id,
        "message": "spring",
        "channel": "email",
        "topic": "offers",
        "source": "campaign:1:kim",
        "status": "sent",
        "detail": None,
        "provider_id": recorded[kim].provider_id,
    }
    assert sent["provider_id"] == mailbox.messages()[0]["Message-ID"]
    failed = by_topic["message.failed"]
    assert (failed["send_id"], failed["message"], failed["source"]) == (
        recorded[lou].id,
        "flash",
        "journey:welcome:lou",
    )
    assert (failed["status"], failed["detail"]) == ("failed", "channel 'sms' is not configured")
    assert {r.status for r in recorded.values()} == {"sent", "failed"}

    hooked = sorted(orjson.loads(body)["topic"] for _, body in state.requests)
    assert hooked == ["message.failed", "message.sent"]

    run_until_idle(engine_of(mail_client), now=NOW + 3_600_000, settings=mail_settings)
    assert len(published(mail_client)) == 2  # published once, with the state, never again


def test_a_send_retried_later_is_published_only_when_it_is_settled(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE)
    kim = new_contact(mail_client, "kim@example.org")
    consent(mail_client, kim, channel="email", topic="offers")
    book(mail_client, kim, "spring", "retry-me")
    assert isinstance(mailbox.handler, BusySink)
    mailbox.handler.busy = True  # a temporary refusal: the send goes back to the queue
    run_until_idle(engine_of(mail_client), now=NOW, settings=mail_settings)
    j = send_jobs.c
    with engine_of(mail_client).connect() as conn:
        assert conn.execute(select(j.state)).scalar() == "queued"
    assert published(mail_client) == []
    mailbox.handler.busy = False
    run_until_idle(engine_of(mail_client), now=NOW + 3_600_000, settings=mail_settings)
    assert [topic for topic, _, _ in published(mail_client)] == ["message.sent"]
    assert mailbox.recipients() == ["kim@example.org"]


def test_a_bounce_matched_to_a_send_is_published(client: TestClient, settings: Settings) -> None:
    send(client, call("identify", userId="k", traits={"email": "kijitora@example.org"}))
    contact = contact_by(client, user_id="k")["id"]
    send_id = book_send(client, contact)
    ref = message_ref(key=tracking_key(secret=settings.secret_key), send_id=send_id)
    raw = read(HARD).replace(HARD_ID, f"<{ref}@shop.example>".encode())
    assert post(client, raw).status_code == 200
    assert post(client, raw).status_code == 200  # the same report again: no second event
    [(topic, contact_id, payload)] = published(client)
    assert (topic, contact_id) == ("message.bounced", contact)
    assert payload["send_id"] == send_id
    assert (payload["message"], payload["source"], payload["status"]) == (
        "spring-offer",
        "campaign:1",
        "bounced",
    )
    assert payload["detail"] == "hard_bounce"
