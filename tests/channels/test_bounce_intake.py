"""Bounces and complaints taken in through the API and the CLI, with the real corpus:
matched to the send, suppression as the policy says, the log, events for the contact."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cadence.channels.bounce_policy import SOFT_LIMIT, judge
from cadence.channels.bounces import BounceKind, Category, Recipient, ReportKind
from cadence.channels.mail import message_ref
from cadence.channels.tracking import tracking_key
from cadence.cli import app
from cadence.config import Settings
from cadence.db.tables import bounce_log, sends
from tests.channels.bounce_corpus import CORPUS, read, require_corpus
from tests.channels.test_tracking_pages import book_send, tracked
from tests.helpers import call, contact_by, send

HARD = "lhost-activehunter-01.eml"  # kijitora@example.org, 5.1.1
HARD_ID = b"<0000000000.00000000000@mx4.example.org>"
SENDER_SIDE = "lhost-amavis-03.eml"  # kijitora@example.com, rejected as spam content
SOFT = "lhost-amazonses-03.eml"  # kijitora@example.jp
COMPLAINT = "arf-02.eml"
COMPLAINT_ADDRESS = "this-local-part-does-not-exist-on-yahoo@yahoo.com"


def post(client: TestClient, raw: bytes) -> Any:
    return client.post("/api/bounces", content=raw, headers={"Content-Type": "message/rfc822"})


def suppressed(client: TestClient, email: str) -> Any:
    return client.post("/api/suppressions/lookup", json={"email": email}).json()


def test_hard_bounce_of_our_message_suppresses_marks_the_send_and_records(
    client: TestClient, settings: Settings
) -> None:
    send(client, call("identify", userId="k", traits={"email": "kijitora@example.org"}))
    contact = contact_by(client, user_id="k")["id"]
    send_id = book_send(client, contact)
    ref = message_ref(key=tracking_key(secret=settings.secret_key), send_id=send_id)
    raw = read(HARD).replace(HARD_ID, f"<{ref}@shop.example>".encode())
    answer = post(client, raw)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kind"], body["send_id"], body["contact_id"]) == ("hard_bounce", send_id, contact)
    assert [(a["kind"], a["suppressed"]) for a in body["addresses"]] == [("hard_bounce", True)]
    assert suppressed(client, "kijitora@example.org")["reason"] == "hard_bounce"
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        status = conn.execute(select(sends.c.status).where(sends.c.id == send_id)).scalar()
    assert status == "bounced"
    [event] = tracked(client, "Email Bounced")
    assert (event["contact_id"], event["send_id"], event["message"]) == (
        contact,
        send_id,
        "spring-offer",
    )
    again = post(client, raw).json()  # the same report twice counts once
    assert [a["duplicate"] for a in again["addresses"]] == [True]
    log = client.get("/api/bounces").json()["items"]
    assert [(e["kind"], e["send_id"], e["suppressed"]) for e in log] == [
        ("hard_bounce", send_id, True)
    ]
    assert len(tracked(client, "Email Bounced")) == 1
    health = client.get("/api/bounces/summary", params={"days": 7}).json()
    assert (health["emails_sent"], health["hard_bounce"], health["bounce_rate"]) == (1, 1, 1.0)
    assert (health["complaint"], health["complaint_rate"], health["suppressed"]) == (0, 0.0, 1)


def test_sender_side_failure_is_logged_but_does_not_suppress(client: TestClient) -> None:
    answer = post(client, read(SENDER_SIDE)).json()
    assert [a["suppressed"] for a in answer["addresses"]] == [False]
    assert "sender-side" in answer["addresses"][0]["why"]
    assert suppressed(client, "kijitora@example.com")["suppressed"] is False
    assert len(client.get("/api/bounces").json()["items"]) == 1


def test_complaint_suppresses_and_records_for_the_contact_found_by_email(
    client: TestClient,
) -> None:
    send(client, call("identify", userId="y", traits={"email": COMPLAINT_ADDRESS}))
    contact = contact_by(client, user_id="y")["id"]
    answer = post(client, read(COMPLAINT)).json()
    assert (answer["kind"], answer["contact_id"]) == ("complaint", contact)
    assert suppressed(client, COMPLAINT_ADDRESS)["reason"] == "complaint"
    assert [e["contact_id"] for e in tracked(client, "Spam Complaint")] == [contact]


def test_soft_bounces_suppress_only_after_repeated_failures(client: TestClient) -> None:
    raw = read(SOFT)
    outcomes = [
        post(client, f"X-Test-Copy: {n}\r\n".encode() + raw).json()["addresses"][0]
        for n in range(SOFT_LIMIT)
    ]
    assert [o["suppressed"] for o in outcomes] == [False] * (SOFT_LIMIT - 1) + [True]
    assert suppressed(client, "kijitora@example.jp")["reason"] == "hard_bounce"


def test_what_is_not_a_report(client: TestClient) -> None:
    unreadable = post(client, read("lhost-fml-02.eml"))
    assert unreadable.status_code == 422
    assert unreadable.json()["errors"][0]["field"] == "body"
    auto_reply = post(client, read("rfc3834-01.eml"))
    assert auto_reply.status_code == 200 and auto_reply.json()["ignored"] is True
    empty = post(client, b"")
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "body"
    assert client.get("/api/bounces").json()["items"] == []


def test_import_the_whole_corpus_reporting_bad_files(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    require_corpus()
    maildir = tmp_path / "maildir"
    (maildir / "new").mkdir(parents=True)
    (maildir / "cur").mkdir()
    (maildir / "tmp").mkdir()
    names = sorted(p.name for p in CORPUS.glob("*.eml"))
    for n, name in enumerate(names):
        (maildir / ("new" if n % 2 else "cur") / name).write_bytes(read(name))
    (maildir / "tmp" / "half-written").write_bytes(b"From: x")
    env = {"CADENCE_DATABASE_URL": settings.database_url, "CADENCE_SECRET_KEY": settings.secret_key}
    result = CliRunner().invoke(app, ["import", "bounces", str(maildir)], env=env)
    assert result.exit_code == 0, result.output
    counted = re.search(r"(\d+) messages: ", result.output)
    assert counted is not None and int(counted.group(1)) >= len(names)  # some files are mboxes
    assert "bad: " in result.output and "lhost-fml-02.eml" in result.output
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        logged = conn.execute(select(func.count()).select_from(bounce_log)).scalar_one()
        hard = conn.execute(
            select(func.count()).select_from(bounce_log).where(bounce_log.c.kind == "hard_bounce")
        ).scalar_one()
    assert logged > 400 and hard > 300
    again = CliRunner().invoke(app, ["import", "bounces", str(maildir)], env=env)
    assert "0 addresses suppressed" in again.output  # nothing new the second time


def test_import_an_mbox_file(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    mbox = tmp_path / "bounces.mbox"
    parts = [read(name) for name in (HARD, COMPLAINT, "lhost-fml-02.eml")]
    mbox.write_bytes(
        b"".join(b"From MAILER-DAEMON Mon Nov 23 04:00:00 2026\n" + p + b"\n" for p in parts)
    )
    env = {"CADENCE_DATABASE_URL": settings.database_url, "CADENCE_SECRET_KEY": settings.secret_key}
    result = CliRunner().invoke(app, ["import", "bounces", str(mbox)], env=env)
    assert result.exit_code == 0, result.output
    assert "3 messages: complaint 1, hard_bounce 1" in result.output
    assert f"bad: {mbox}#3" in result.output


@pytest.mark.parametrize(
    ("kind", "category", "before", "suppress"),
    [
        (ReportKind.COMPLAINT, None, 0, "complaint"),
        (ReportKind.HARD_BOUNCE, Category.USER_UNKNOWN, 0, "hard_bounce"),
        (ReportKind.HARD_BOUNCE, Category.BLOCKED, 0, None),
        (ReportKind.SOFT_BOUNCE, Category.MAILBOX_FULL, SOFT_LIMIT - 2, None),
        (ReportKind.SOFT_BOUNCE, Category.MAILBOX_FULL, SOFT_LIMIT - 1, "hard_bounce"),
        (ReportKind.SOFT_BOUNCE, Category.CONTENT_REJECTED, 10, None),
    ],
)
def test_policy(kind: ReportKind, category: Category, before: int, suppress: str | None) -> None:
    recipient = Recipient(address="a@b.example", kind=BounceKind.HARD, category=category)
    verdict = judge(kind=kind, recipient=recipient, soft_bounces_before=before)
    assert verdict.suppress == suppress
