"""Outbox events for what became of a send, written in the transaction that records it:
``message.sent`` (the server or provider accepted it), ``message.failed`` (refused for
good, or it could not be built or addressed) and ``message.bounced`` (a bounce report
matched it later). Webhooks subscribe to them by topic, like any other outbox event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from cadence.db.bulk import insert_many

SENT: Final = "message.sent"
FAILED: Final = "message.failed"
BOUNCED: Final = "message.bounced"
TOPICS: Final = {"sent": SENT, "failed": FAILED, "bounced": BOUNCED}


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One send's new state, as published."""

    status: str  # sent | failed | bounced
    send_id: int
    contact_id: int
    message_key: str
    channel: str
    topic: str
    source: str
    detail: str | None = None
    provider_id: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "send_id": self.send_id,
            "message": self.message_key,
            "channel": self.channel,
            "topic": self.topic,
            "source": self.source,
            "status": self.status,
            "detail": self.detail,
            "provider_id": self.provider_id,
        }


def publish(conn: Any, outcomes: Sequence[Outcome], *, at: int) -> None:
    """One outbox row per outcome, in the caller's transaction."""
    rows = [
        (TOPICS[o.status], o.contact_id, orjson.dumps(o.payload()).decode(), at) for o in outcomes
    ]
    insert_many(conn, "outbox", ("topic", "contact_id", "payload", "created_at"), rows)
