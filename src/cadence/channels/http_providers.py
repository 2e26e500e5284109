"""Channels delivered over HTTP: an SMS provider and the generic JSON webhook.

The SMS adapter speaks the shape Twilio made common (and several providers copy):
``POST {account_url}/Messages.json`` with a form ``To``, ``From``, ``Body`` and HTTP Basic
auth; the answer's ``sid`` is the provider id. The webhook channel POSTs the message's
rendered ``json`` to the address, signed like Cadence's outbound webhooks
(``X-Cadence-Signature: sha256=<hex HMAC of the body>``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import orjson

from cadence.channels.base import Delivery, Outgoing
from cadence.webhooks.service import sign


def _outcome(send_id: int, answer: httpx.Response, provider_id: str | None) -> Delivery:
    """2xx sent; 408, 429 and 5xx retry; any other 4xx is a permanent refusal."""
    code = answer.status_code
    if answer.is_success:
        return Delivery(send_id=send_id, status="sent", provider_id=provider_id)
    detail = f"HTTP {code}: {answer.text[:200]}"
    temporary = code >= 500 or code in (408, 429)
    return Delivery(send_id=send_id, status="retry" if temporary else "failed", detail=detail)


class _HttpTransport:
    channel = ""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._client = httpx.Client(timeout=timeout)

    def deliver(self, items: Sequence[Outgoing]) -> list[Delivery]:
        return [self._safely(item) for item in items]

    def _safely(self, item: Outgoing) -> Delivery:
        try:
            return self._send(item)
        except httpx.HTTPError as error:
            return Delivery(send_id=item.send_id, status="retry", detail=f"{error!r}")

    def _send(self, item: Outgoing) -> Delivery:
        raise NotImplementedError

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True, kw_only=True)
class SmsAccount:
    account_url: str  # e.g. https://api.twilio.com/2010-04-01/Accounts/AC123
    account_sid: str
    auth_token: str
    sender: str  # the From number or sender id


class SmsTransport(_HttpTransport):
    """The ``sms`` channel through a Twilio-compatible Messages API."""

    channel = "sms"

    def __init__(self, *, account: SmsAccount, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self._account = account

    def _send(self, item: Outgoing) -> Delivery:
        account = self._account
        answer = self._client.post(
            f"{account.account_url.rstrip('/')}/Messages.json",
            data={"To": item.address, "From": account.sender, "Body": item.rendered.text or ""},
            auth=(account.account_sid, account.auth_token),
        )
        provider_id = None
        if answer.is_success:
            try:
                provider_id = str(answer.json().get("sid") or "") or None
            except ValueError:
                provider_id = None
        return _outcome(item.send_id, answer, provider_id)


def refusal(url: str) -> str | None:
    """Why ``url`` must not be called from our servers (None when it may): the address comes
    from contact data, so it must not reach our own network (loopback, private, link-local
    addresses such as a cloud metadata service). Raises OSError when the name does not
    resolve now."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_, address in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM):
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return f"{parts.hostname} is a non-public address ({ip})"
    return None


class WebhookTransport(_HttpTransport):
    """The ``webhook`` channel: the rendered JSON, POSTed to the address, signed.

    Only public addresses are called unless ``allow_private`` (for an installation whose
    webhook receivers live on its own network)."""

    channel = "webhook"

    def __init__(self, *, secret: str, allow_private: bool = False, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self._secret = secret
        self._allow_private = allow_private

    def _send(self, item: Outgoing) -> Delivery:
        if not self._allow_private:
            try:
                refused = refusal(item.address)
            except (OSError, UnicodeError) as error:
                return Delivery(send_id=item.send_id, status="retry", detail=f"resolve: {error}")
            if refused is not None:
                return Delivery(send_id=item.send_id, status="failed", detail=refused)
        body = orjson.dumps(item.rendered.json)
        answer = self._client.post(
            item.address,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Cadence-Send": str(item.send_id),
                "X-Cadence-Message": item.message_key,
                "X-Cadence-Signature": sign(self._secret, body),
            },
        )
        return _outcome(item.send_id, answer, answer.headers.get("x-request-id"))
