"""Journey sends through the one send path: ``sending.service.enqueue`` for one, or, for a
runner pass's send steps, ``sending.batch.enqueue_keyed`` (the gate asked in bulk)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from cadence.consent.gate import Allowed
from cadence.consent.sending import check_send
from cadence.db.engine import UnitOfWork
from cadence.messages import store as messages
from cadence.messages.models import Message
from cadence.sending import service as sending
from cadence.sending.batch import enqueue_keyed
from cadence.sending.models import Enqueued

log = logging.getLogger(__name__)


def send_key(*, journey: str, version: int, enrolment_id: int, step_id: str, visit: int) -> str:
    """One send per visit of a send step: a loop back to the step sends again (the next
    visit), while a crash-and-retry of the same visit is a duplicate the send path drops."""
    return f"journey:{journey}:v{version}:{enrolment_id}:{step_id}:{visit}"


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
    return label(result)


def label(result: Enqueued) -> str:
    """A send's outcome as a journey run records it."""
    return f"{result.status}: {result.reason}" if result.reason else str(result.status)


@dataclass(frozen=True, kw_only=True)
class Pending:
    """A send step's send, asked of the gate with the others of its pass."""

    contact_id: int
    message_key: str
    idempotency_key: str
    source: str


@dataclass(eq=False)
class Batch:
    """The sends of one runner pass, and the messages looked up for them."""

    at: int
    pending: list[Pending] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)

    def message(self, uow: UnitOfWork, key: str) -> Message:
        """The message (NotFound when it is gone), looked up once per pass."""
        if key not in self.messages:
            self.messages[key] = messages.get(uow, key).message
        return self.messages[key]

    def add(self, uow: UnitOfWork, send: Pending) -> int:
        """Queue ``send`` for ``flush``; its index among the pass's sends."""
        self.message(uow, send.message_key)
        self.pending.append(send)
        return len(self.pending) - 1

    def flush(self, uow: UnitOfWork) -> list[str]:
        """Enqueue every pending send, grouped by message and source; each one's label."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index, send in enumerate(self.pending):
            groups[(send.message_key, send.source)].append(index)
        labels = [""] * len(self.pending)
        for (key, source), indexes in groups.items():
            chosen = [self.pending[i] for i in indexes]
            for index, text in zip(indexes, self._group(uow, key, source, chosen), strict=True):
                labels[index] = text
        self.pending = []
        return labels

    def _group(self, uow: UnitOfWork, key: str, source: str, sends: Sequence[Pending]) -> list[str]:
        items = [(s.contact_id, s.idempotency_key) for s in sends]
        try:
            with uow.conn.begin_nested():
                results = enqueue_keyed(
                    uow, items=items, message=self.messages[key], source=source, at=self.at
                )
            return [label(result) for result in results]
        except Exception as error:  # one by one, so one failing send fails alone
            log.warning("journey sends of %s in bulk failed (%s); one by one", key, error)
        return [self._one(uow, s) for s in sends]

    def _one(self, uow: UnitOfWork, s: Pending) -> str:
        try:
            with uow.conn.begin_nested():
                return send(
                    uow,
                    contact_id=s.contact_id,
                    message_key=s.message_key,
                    idempotency_key=s.idempotency_key,
                    at=self.at,
                    source=s.source,
                )
        except Exception as error:
            return f"failed: {error}"


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
