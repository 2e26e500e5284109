"""The SMTP transport against a real aiosmtpd server: pooling, refusals, reconnects."""

from __future__ import annotations

import email
import ssl
import subprocess
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cadence.channels.mail import MailBuilder
from cadence.channels.pickup import PickupTransport
from cadence.channels.registry import email_transport
from cadence.channels.smtp import SmtpServer, SmtpTransport
from cadence.channels.tracking import tracking_key
from cadence.config import Settings
from tests.channels.conftest import Sink, SmtpSink, free_port, outgoing

KEY = tracking_key(secret="test-secret-key-not-for-production")


def transport(sink: SmtpSink, connections: int = 4) -> SmtpTransport:
    builder = MailBuilder(sender="Shop <news@shop.example>", key=KEY)
    return SmtpTransport(
        server=SmtpServer.from_url(sink.url), builder=builder, connections=connections
    )


def test_url_parsing() -> None:
    server = SmtpServer.from_url("smtp://us%40er:p%3Ass@mail.example:587?starttls=true")
    assert (server.host, server.port, server.starttls, server.implicit_tls) == (
        "mail.example",
        587,
        True,
        False,
    )
    assert (server.username, server.password) == ("us@er", "p:ss")
    tls = SmtpServer.from_url("smtps://mail.example")
    assert (tls.port, tls.implicit_tls) == (465, True)
    with pytest.raises(ValueError, match="CADENCE_SMTP_URL"):
        SmtpServer.from_url("http://mail.example")


def test_delivers_a_batch_over_pooled_connections(smtp_sink: SmtpSink) -> None:
    sender = transport(smtp_sink)
    try:
        items = [outgoing(i, address=f"person{i}@example.org") for i in range(1, 41)]
        results = sender.deliver(items)
        assert [r.send_id for r in results] == list(range(1, 41))
        assert {r.status for r in results} == {"sent"}
        second = sender.deliver([outgoing(99, address="again@example.org")])
        assert second[0].status == "sent"
    finally:
        sender.close()
    received = smtp_sink.handler.received
    assert sorted(e.rcpt_tos[0] for e in received) == sorted(
        [f"person{i}@example.org" for i in range(1, 41)] + ["again@example.org"]
    )
    by_rcpt = {e.rcpt_tos[0]: e for e in received}
    message = email.message_from_bytes(by_rcpt["person7@example.org"].content, policy=default)  # type: ignore[arg-type]
    assert message["Message-ID"] == results[6].provider_id
    assert by_rcpt["person7@example.org"].mail_from == "news@shop.example"


def test_refused_recipient_fails_and_temporary_refusal_retries(smtp_sink: SmtpSink) -> None:
    sender = transport(smtp_sink, connections=2)
    try:
        results = sender.deliver(
            [
                outgoing(1, address="refuse@example.org"),
                outgoing(2, address="busy@example.org"),
                outgoing(3, address="fine@example.org"),
            ]
        )
    finally:
        sender.close()
    assert [r.status for r in results] == ["failed", "retry", "sent"]
    assert results[0].detail is not None and results[0].detail.startswith("550")
    assert [e.rcpt_tos for e in smtp_sink.handler.received] == [["fine@example.org"]]


def test_reconnects_after_the_server_went_away(smtp_sink: SmtpSink) -> None:
    sender = transport(smtp_sink, connections=1)
    try:
        assert sender.deliver([outgoing(1)])[0].status == "sent"
        smtp_sink.restart()  # the pooled connection is now dead
        assert sender.deliver([outgoing(2)])[0].status == "sent"
        smtp_sink.stop()
        # nobody listening at all: the message is kept for a retry, not lost or failed
        assert sender.deliver([outgoing(3)])[0].status == "retry"
    finally:
        sender.close()
    assert len(smtp_sink.handler.received) == 2


def test_without_smtp_url_mail_goes_to_the_pickup_directory(tmp_path: Path) -> None:
    settings = Settings(
        database_url="sqlite://", secret_key="x" * 32, mail_pickup_dir=str(tmp_path / "out")
    )
    sender = email_transport(settings, secret=settings.secret_key)
    assert isinstance(sender, PickupTransport)
    [result] = sender.deliver([outgoing(17)])
    assert result.status == "sent"
    written = tmp_path / "out" / "17.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=default)
    assert message["Message-ID"] == result.provider_id
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["17.eml"]


def test_starttls_and_login(tmp_path: Path) -> None:
    """A relay that demands STARTTLS before AUTH, with its own CA (a private relay)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [*request, *subject, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[bytes] = []

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append(data.login)
        return AuthResult(success=data.password == b"s3cret:pass")

    handler = Sink()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        url = f"smtp://mailer:s3cret%3Apass@127.0.0.1:{controller.port}?starttls=true"
        builder = MailBuilder(sender="Shop <news@shop.example>", key=KEY)
        sender = SmtpTransport(
            server=SmtpServer.from_url(url, ca_file=str(cert)), builder=builder, connections=2
        )
        try:
            results = sender.deliver([outgoing(1), outgoing(2, address="bo@example.org")])
        finally:
            sender.close()
        wrong = SmtpTransport(
            server=SmtpServer.from_url(url.replace("s3cret", "guess"), ca_file=str(cert)),
            builder=builder,
        )
        try:
            [refused] = wrong.deliver([outgoing(3)])
        finally:
            wrong.close()
    finally:
        controller.stop()
    assert [r.status for r in results] == ["sent", "sent"]
    assert refused.status == "retry"  # a login problem is ours to fix, not the recipient's
    assert set(logins) == {b"mailer"}
    assert sorted(e.rcpt_tos[0] for e in handler.received) == ["ada@example.org", "bo@example.org"]
