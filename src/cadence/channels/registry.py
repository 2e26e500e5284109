"""The transports this installation can deliver through, built from settings.

``email`` is always there: SMTP when ``CADENCE_SMTP_URL`` is set, otherwise ``.eml`` files
in a pickup directory. ``webhook``, ``phone`` and ``direct_mail`` are always there too;
``sms`` only when a provider account is configured (a channel missing from the mapping
is not configured, and the sender should record that rather than retry).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from cadence.channels.base import Transport
from cadence.channels.dkim_signing import DkimKey
from cadence.channels.http_providers import SmsAccount, SmsTransport, WebhookTransport
from cadence.channels.mail import MailBuilder
from cadence.channels.pickup import PickupTransport
from cadence.channels.smtp import SmtpServer, SmtpTransport
from cadence.channels.tasks import TaskTransport
from cadence.channels.tracking import Tracker, tracking_key
from cadence.config import Settings
from cadence.runtime import secret_key

DEFAULT_PICKUP = "mail-outbox"


def mail_builder(settings: Settings, *, secret: str) -> MailBuilder:
    """How this installation builds its emails (sender, tracking, DKIM)."""
    key = tracking_key(secret=secret)
    tracker = Tracker(key=key, base_url=settings.public_url.rstrip("/"))
    dkim_key = None
    if settings.dkim_domain and settings.dkim_selector and settings.dkim_private_key:
        dkim_key = DkimKey.load(
            domain=settings.dkim_domain,
            selector=settings.dkim_selector,
            key=settings.dkim_private_key,
        )
    return MailBuilder(
        sender=settings.mail_from,
        key=key,
        tracker=tracker if settings.track_email else None,
        dkim_key=dkim_key,
    )


def email_transport(settings: Settings, *, secret: str) -> Transport:
    builder = mail_builder(settings, secret=secret)
    if settings.smtp_url:
        server = SmtpServer.from_url(
            settings.smtp_url,
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
        )
        return SmtpTransport(server=server, builder=builder, connections=settings.smtp_connections)
    directory = Path(settings.mail_pickup_dir or Path.cwd() / DEFAULT_PICKUP)
    return PickupTransport(directory=directory, builder=builder)


def webhook_secret(settings: Settings, *, secret: str) -> str:
    """The webhook channel's signing secret: configured, else derived from the app secret."""
    if settings.webhook_channel_secret:
        return settings.webhook_channel_secret
    return hashlib.sha256(b"cadence.webhook-channel.v1:" + secret.encode()).hexdigest()


def transports(settings: Settings, engine: Engine) -> dict[str, Transport]:
    """Every configured channel's transport; call ``close()`` on each when done."""
    secret = secret_key(engine, settings)
    found: dict[str, Transport] = {
        "email": email_transport(settings, secret=secret),
        "webhook": WebhookTransport(
            secret=webhook_secret(settings, secret=secret),
            allow_private=settings.webhook_channel_allow_private,
        ),
        "phone": TaskTransport(engine=engine, channel="phone"),
        "direct_mail": TaskTransport(engine=engine, channel="direct_mail"),
    }
    if settings.sms_api_url and settings.sms_from:
        account = SmsAccount(
            account_url=settings.sms_api_url,
            account_sid=settings.sms_account_sid,
            auth_token=settings.sms_auth_token,
            sender=settings.sms_from,
        )
        found["sms"] = SmsTransport(account=account)
    return found
