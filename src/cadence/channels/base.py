"""What the sender hands a channel, and what the channel answers: the seam between
``cadence.sending`` (gate, reservation, rendering, status) and ``cadence.channels``
(SMTP, SMS and webhook providers).

A channel never decides *whether* to send: by the time it sees an ``Outgoing``, the send
gate allowed it and a ``sends`` row (``send_id``) was booked. It only delivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from cadence.messages.models import MessageLinks, Rendered

DeliveryStatus = Literal["sent", "failed", "retry"]


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """One booked, personalised message for one contact."""

    send_id: int  # the ``sends`` row; also the basis of Message-ID and tracking tokens
    contact_id: int
    channel: str  # email | sms | webhook
    topic: str
    message_key: str
    address: str  # email address, phone number, or the webhook's target URL
    rendered: Rendered
    links: MessageLinks  # the contact's preference-center and one-click unsubscribe URLs
    at: int  # epoch ms of the send


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What became of one ``Outgoing``: ``sent`` (accepted by the server/provider),
    ``failed`` (permanently refused: do not retry), ``retry`` (temporary failure)."""

    send_id: int
    status: DeliveryStatus
    detail: str | None = None
    provider_id: str | None = None  # Message-ID, provider message id, ...


class Transport(Protocol):
    """A channel's delivery mechanism; may keep connections open between calls."""

    channel: str

    def deliver(self, items: Sequence[Outgoing]) -> list[Delivery]:
        """Deliver each item; one ``Delivery`` per item, in order. Never raises for a
        single item's failure (that item is ``failed`` or ``retry``)."""
        ...

    def close(self) -> None: ...
