"""Delivery's state machine: a worker that dies after claiming leaves ``unknown`` sends that
are never resent; an unconfigured channel or a missing address fails the send."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.db.tables import send_jobs, sends
from cadence.scheduler import run_until_idle
from cadence.sending.delivery import claim, deliver_due
from cadence.sending.service import enqueue
from tests.campaigns.factory import WORKSPACE, Mailbox, apply
from tests.consent.apihelp import consent, engine_of, new_contact

NOW = 1_796_000_000_000
MINUTE = 60_000


def job_states(client: TestClient) -> list[tuple[str, str | None, str]]:
    j, s = send_jobs.c, sends.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(
            select(j.state, j.reason, s.status).join(sends, s.id == j.send_id).order_by(j.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def book(client: TestClient, cid: int, key: str, source: str) -> None:
    with unit_of_work(engine_of(client)) as uow:
        done = enqueue(
            uow, contact_id=cid, message_key=key, source=source, idempotency_key=source, at=NOW
        )
    assert done.status == "queued", done


def test_a_claim_whose_worker_died_becomes_unknown_and_is_never_resent(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE)
    cid = new_contact(mail_client, "kim@example.org")
    consent(mail_client, cid, channel="email", topic="offers")
    book(mail_client, cid, "spring", "crash")
    engine = engine_of(mail_client)
    with unit_of_work(engine) as uow:  # a worker claims the batch, then dies
        assert len(claim(uow, now=NOW, limit=10, lease_ms=5 * MINUTE)) == 1
    assert deliver_due(engine, mail_settings, now=NOW + MINUTE, limit=10) == 0  # leased
    assert job_states(mail_client) == [("sending", None, "sending")]
    assert deliver_due(engine, mail_settings, now=NOW + 6 * MINUTE, limit=10) == 0
    assert job_states(mail_client) == [("unknown", "interrupted", "unknown")]
    run_until_idle(engine, now=NOW + 60 * MINUTE, settings=mail_settings)
    assert mailbox.recipients() == []  # maybe not delivered, but never twice


def test_unconfigured_channels_and_missing_addresses_fail(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(
        mail_client,
        WORKSPACE + "  - {key: flash, channel: sms, topic: offers, text: 'Flash sale today'}\n",
    )
    with_phone = new_contact(mail_client, "lou@example.org", phone="+15550100")
    without = new_contact(mail_client, "max@example.org")
    for cid in (with_phone, without):
        consent(mail_client, cid, channel="sms", topic="offers")
        book(mail_client, cid, "flash", f"sms-{cid}")
    run_until_idle(engine_of(mail_client), now=NOW, settings=mail_settings)
    assert job_states(mail_client) == [
        ("failed", "delivery_failed", "failed"),
        ("failed", "delivery_failed", "failed"),
    ]
    j = send_jobs.c
    with engine_of(mail_client).connect() as conn:
        details = list(conn.scalars(select(j.detail).order_by(j.id)))
    assert details == ["channel 'sms' is not configured", "the contact has no sms address"]
    assert mailbox.recipients() == []
