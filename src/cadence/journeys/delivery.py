"""Journey sends through the one send path (``sending.service.enqueue``, which asks the gate)."""

from __future__ import annotations

from cadence.consent.gate import Allowed
from cadence.consent.sending import check_send
from cadence.db.engine import UnitOfWork
from cadence.messages import store as messages
from cadence.sending import service as sending


def send_key(*, journey: str, version: int, enrolment_id: int, step_id: str) -> str:
    """One send per (enrolment, step): a crash-and-retry, or a loop back to the step, is a
    duplicate the send path drops."""
    return f"journey:{journey}:v{version}:{enrolment_id}:{step_id}"


def send(
    uow: UnitOfWork,
    *,
    contact_id: int,
    message_key: str,
    idempotency_key: str,
    at: int,
    source: str,
) -> str:
    """Queue the message for the contact: queued, deferred, blocked (with why) or duplicate."""
    result = sending.enqueue(
        uow,
        contact_id=contact_id,
        message_key=message_key,
        source=source,
        idempotency_key=idempotency_key,
        at=at,
    )
    return f"{result.status}: {result.reason}" if result.reason else str(result.status)


def passes_gate(
    uow: UnitOfWork, *, contact_id: int, message_key: str, at: int, source: str
) -> bool:
    """Whether the gate would let this message go to the contact now (logged by the gate)."""
    message = messages.get(uow, message_key).message
    decision = check_send(
        uow,
        contact_id=contact_id,
        channel=message.channel,
        topic=message.topic,
        at=at,
        source=source,
    )
    return isinstance(decision, Allowed)
