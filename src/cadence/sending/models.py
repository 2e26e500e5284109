"""Value objects of the sending service, and the states of a send job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

EnqueuedStatus = Literal["queued", "deferred", "blocked", "duplicate"]

# queued -> sending -> sent | failed | unknown; deferred -> (re-gated) queued | ...;
# blocked, dropped and cancelled never go anywhere.
WAITING: Final = ("queued", "deferred")
FINAL: Final = ("sent", "failed", "unknown", "blocked", "dropped")
STATES: Final = (*WAITING, "sending", *FINAL)
# blocks that lift by themselves: a deferred send waits for retry_at
DEFERRABLE: Final = frozenset(
    {"paused", "frequency", "cap", "min_gap", "quiet_hours", "sunset", "priority"}
)


@dataclass(frozen=True, kw_only=True)
class Enqueued:
    """What ``enqueue`` did: ``queued`` (booked, ``send_id``), ``deferred`` (``retry_at``),
    ``blocked`` (``reason``; also when dropped by the message's ``on_limit``) or
    ``duplicate`` (this idempotency key was enqueued before; nothing was done)."""

    status: EnqueuedStatus
    job_id: int | None
    send_id: int | None = None
    retry_at: int | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True, kw_only=True)
class Job:
    """One send job row, as the service reads it."""

    id: int
    contact_id: int
    message_key: str
    source: str
    idempotency_key: str
    channel: str
    topic: str
    priority: int
    state: str
    send_id: int | None
    attempts: int
    due_at: int
