"""SMS through a Twilio-compatible provider and the JSON webhook channel, against a real
local HTTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

from sqlalchemy import create_engine

from cadence.channels.http_providers import (
    SmsAccount,
    SmsTransport,
    WebhookTransport,
    refusal,
)
from cadence.channels.registry import transports
from cadence.config import Settings
from tests.channels.conftest import HttpReceiver, outgoing


def test_sms_posts_the_provider_form_with_basic_auth(http_receiver: HttpReceiver) -> None:
    account = SmsAccount(
        account_url=f"{http_receiver.url}/2010-04-01/Accounts/AC123",
        account_sid="AC123",
        auth_token="secret-token",
        sender="+15005550006",
    )
    sms = SmsTransport(account=account)
    try:
        [result] = sms.deliver([outgoing(5, channel="sms", address="+4915112345678", text="Hi!")])
        http_receiver.answer.update(status=400, body=b'{"code": 21211, "message": "bad To"}')
        [refused] = sms.deliver([outgoing(6, channel="sms", address="+1", text="Hi!")])
        http_receiver.answer.update(status=503, body=b"{}")
        [later] = sms.deliver([outgoing(7, channel="sms", address="+4915112345678", text="Hi")])
    finally:
        sms.close()
    assert (result.status, result.provider_id) == ("sent", "SM123")
    assert (refused.status, later.status) == ("failed", "retry")
    first = http_receiver.requests[0]
    assert first.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert first.headers["Authorization"] == "Basic " + base64.b64encode(
        b"AC123:secret-token"
    ).decode("ascii")
    form = parse_qs(first.body.decode())
    assert form == {"To": ["+4915112345678"], "From": ["+15005550006"], "Body": ["Hi!"]}


def test_webhook_posts_the_rendered_json_signed(http_receiver: HttpReceiver) -> None:
    hook = WebhookTransport(secret="hook-secret", allow_private=True)
    document = {"event": "offer", "contact": {"name": "Ada"}, "amount": 3}
    try:
        [result] = hook.deliver(
            [outgoing(8, channel="webhook", address=f"{http_receiver.url}/hook", json=document)]
        )
    finally:
        hook.close()
    assert result.status == "sent"
    received = http_receiver.requests[0]
    assert json.loads(received.body) == document
    expected = hmac.new(b"hook-secret", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Cadence-Signature"] == f"sha256={expected}"
    assert received.headers["X-Cadence-Send"] == "8"


def test_unreachable_provider_is_a_retry() -> None:
    hook = WebhookTransport(secret="s", allow_private=True, timeout=2.0)
    try:
        [result] = hook.deliver(
            [outgoing(9, channel="webhook", address="http://127.0.0.1:9/nothing", json={})]
        )
    finally:
        hook.close()
    assert result.status == "retry"


def test_webhooks_to_our_own_network_are_refused(http_receiver: HttpReceiver) -> None:
    hook = WebhookTransport(secret="s")  # the default: contact data cannot reach inside
    targets = [
        f"{http_receiver.url}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://10.1.2.3/x",
        "file:///etc/passwd",
    ]
    try:
        results = hook.deliver(
            [outgoing(n, channel="webhook", address=url, json={}) for n, url in enumerate(targets)]
        )
    finally:
        hook.close()
    assert [r.status for r in results] == ["failed"] * len(targets)
    assert http_receiver.requests == []
    assert refusal("https://93.184.215.14/hook") is None  # a public address is fine


def test_registry_builds_what_is_configured() -> None:
    engine = create_engine("sqlite://")
    settings = Settings(database_url="sqlite://", secret_key="k" * 32)
    found = transports(settings, engine)
    try:
        assert set(found) == {"email", "webhook", "phone", "direct_mail"}  # no SMS account
    finally:
        for transport in found.values():
            transport.close()
    with_sms = Settings(
        database_url="sqlite://",
        secret_key="k" * 32,
        sms_api_url="http://127.0.0.1:9/Accounts/AC1",
        sms_from="+15005550006",
    )
    found = transports(with_sms, engine)
    try:
        assert found["sms"].channel == "sms"
        assert all(name == t.channel for name, t in found.items())
    finally:
        for transport in found.values():
            transport.close()
