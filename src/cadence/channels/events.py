"""The events channels record for a contact (opens, clicks, bounces, complaints)."""

from __future__ import annotations

from typing import Any

from cadence.events.spec import Event


def channel_event(
    *,
    name: str,
    contact_id: int,
    properties: dict[str, Any],
    at: int,
    message_id: str,
    context: dict[str, Any] | None = None,
) -> Event:
    """A track event of a known contact, as the pipeline takes it."""
    return Event(
        message_id=message_id,
        type="track",
        user_id=None,
        anonymous_id=None,
        ts=at,
        received_at=at,
        name=name,
        properties=properties,
        context={"channel": "email", **(context or {})},
        contact_id=contact_id,
    )
