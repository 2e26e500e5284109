"""``cadence send`` killed for real (SIGKILL) in the middle of a campaign, then restarted:
nobody gets the message twice, and nobody is lost without trace — every recipient either
got it or is reported ``unknown`` (handed to the server when the process died)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.config import Settings
from cadence.db.tables import send_jobs
from tests.campaigns.factory import Mailbox, Sink, apply, campaign, crowd
from tests.consent.apihelp import engine_of

RECIPIENTS = 400
BATCH = 20
WORKSPACE = """
topics: [offers]
channels: [email]
consent: {double_opt_in: []}
messages:
  - key: spring
    channel: email
    topic: offers
    subject: "{{ first_name('there') }}, your spring offer"
    text: "Hello {{ first_name() }}. {{ links.unsubscribe }}"
"""


class SlowSink(Sink):
    """A server that takes a little while per message, so the kill lands mid-campaign."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(handler=SlowSink())
    yield box
    box.controller.stop()


def command(settings: Settings, campaign_id: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CADENCE_DATABASE_URL": settings.database_url,
        "CADENCE_SECRET_KEY": settings.secret_key,
        "CADENCE_SMTP_URL": str(settings.smtp_url),
        "CADENCE_SMTP_CONNECTIONS": "2",
        "CADENCE_SEND_BATCH_SIZE": str(BATCH),
        # the killed process will never finish its batch: let the restart take over at once
        "CADENCE_SEND_LEASE_SECONDS": "0",
    }
    cadence = Path(sys.executable).with_name("cadence")
    return subprocess.Popen(
        [str(cadence), "send", str(campaign_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: object, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def test_killed_mid_campaign_and_restarted_sends_nobody_twice(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE)
    crowd(mail_client, RECIPIENTS)
    created = campaign(mail_client)

    first = command(mail_settings, created["id"])
    wait_for(lambda: len(mailbox.recipients()) >= RECIPIENTS // 4, seconds=120)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    at_kill = len(mailbox.recipients())
    assert at_kill < RECIPIENTS  # it really died mid-campaign

    second = command(mail_settings, created["id"])
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()

    received = Counter(mailbox.recipients())
    assert max(received.values()) == 1, "someone got the message twice"
    ids = [m["Message-ID"] for m in mailbox.messages()]
    assert len(ids) == len(set(ids))
    j = send_jobs.c
    with engine_of(mail_client).connect() as conn:
        jobs = conn.execute(
            select(j.contact_id, j.state).where(j.campaign_id == created["id"])
        ).all()
    states = Counter(state for _, state in jobs)
    assert len(jobs) == RECIPIENTS and set(states) <= {"sent", "unknown"}
    assert states["unknown"] <= BATCH  # at most the one batch in flight when it died
    assert states["sent"] + states["unknown"] == RECIPIENTS
    assert len(received) >= states["sent"]  # every recorded send really arrived
    totals = mail_client.get(f"/api/campaigns/{created['id']}").json()
    assert totals["status"] == "sent" and totals["totals"]["unknown"] == states["unknown"]
