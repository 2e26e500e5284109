"""Enqueue a message for a contact: book it under the send gate, or defer, or block it.

Used by campaigns and journeys. The caller owns the transaction; nothing is delivered here
(``sending.delivery`` does that after commit). One message per contact per source goes out
at most once: the job's ``idempotency_key`` is unique, and so is the booked ``sends`` row's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import insert, select, update

from cadence.consent import store as consent_store
from cadence.consent.gate import Blocked, Reason
from cadence.consent.sending import Reservation, policy_facts, policy_history, reserve_send
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import gate_decisions, send_jobs, sends
from cadence.db.types import to_millis
from cadence.errors import NotFound
from cadence.messages import store as message_store
from cadence.messages.models import Message
from cadence.policy import rules
from cadence.policy import service as policy_service
from cadence.policy.models import Candidate
from cadence.sending.gate import Request
from cadence.sending.models import DEFERRABLE, Enqueued, Job
from cadence.sending.sql import among

SUNSET_SOURCE = "policy:sunset"


def enqueue(
    uow: UnitOfWork,
    *,
    contact_id: int,
    message_key: str,
    source: str,
    idempotency_key: str,
    at: int,
    campaign_id: int | None = None,
    message: Message | None = None,
) -> Enqueued:
    """Book ``message_key`` for the contact at ``at`` under the gate (see ``Enqueued``).

    ``message`` saves a lookup when the caller has it already (a campaign sends one message).
    Raises NotFound when the message does not exist.
    """
    j = send_jobs.c
    found = uow.conn.execute(
        select(j.id).where(j.idempotency_key == idempotency_key)
    ).scalar_one_or_none()
    if found is not None:
        return Enqueued(status="duplicate", job_id=int(found))
    if message is None:
        message = message_store.get(uow, message_key).message
    job_id = uow.conn.execute(
        insert(send_jobs)
        .values(
            idempotency_key=idempotency_key,
            contact_id=contact_id,
            message_key=message.key,
            source=source[:128],
            campaign_id=campaign_id,
            channel=message.channel,
            topic=message.topic,
            priority=message.priority,
            state="new",
            due_at=at,
            attempts=0,
            created_at=at,
            updated_at=at,
        )
        .returning(j.id)
    ).scalar_one()
    job = load_job(uow, int(job_id))
    return gate_job(uow, job=job, message=message, at=at)


def gate_job(uow: UnitOfWork, *, job: Job, message: Message, at: int) -> Enqueued:
    """Ask the gate for ``job`` at ``at``; record queued, deferred, dropped or blocked."""
    reservation = _reserve(uow, job=job, at=at)
    decision = reservation.decision
    if reservation.duplicate:  # booked by someone else under the same key: never twice
        _set(uow, job.id, at, state="blocked", reason="duplicate", detail="already booked")
        return Enqueued(status="duplicate", job_id=job.id, send_id=reservation.send_id)
    if isinstance(decision, Blocked) and _make_room(uow, job=job, at=at, blocked=decision):
        reservation = _reserve(uow, job=job, at=at)
        decision = reservation.decision
    if reservation.send_id is not None:
        _set(uow, job.id, at, state="queued", send_id=reservation.send_id, due_at=at)
        return Enqueued(status="queued", job_id=job.id, send_id=reservation.send_id)
    assert isinstance(decision, Blocked)
    return hold(uow, job=job, message=message, at=at, blocked=decision)


def _reserve(uow: UnitOfWork, *, job: Job, at: int) -> Reservation:
    return reserve_send(uow, **asdict(Request.for_job(job, at=at)))


def hold(uow: UnitOfWork, *, job: Job, message: Message, at: int, blocked: Blocked) -> Enqueued:
    reason = blocked.reason.value
    lifts = blocked.retry_at is not None and reason in DEFERRABLE
    if lifts and message.on_limit == "defer":
        _set(
            uow,
            job.id,
            at,
            state="deferred",
            reason=reason,
            detail=blocked.detail,
            due_at=blocked.retry_at,
        )
        return Enqueued(
            status="deferred",
            job_id=job.id,
            retry_at=blocked.retry_at,
            reason=reason,
            detail=blocked.detail,
        )
    state = "dropped" if lifts else "blocked"
    _set(uow, job.id, at, state=state, reason=reason, detail=blocked.detail)
    if blocked.reason is Reason.SUNSET and blocked.retry_at is None:
        _last_call(uow, contact_id=job.contact_id, at=at)
    return Enqueued(status="blocked", job_id=job.id, reason=reason, detail=blocked.detail)


def _make_room(uow: UnitOfWork, *, job: Job, at: int, blocked: Blocked) -> bool:
    """Move lower-priority queued sends aside when they hold the capacity this job needs."""
    if blocked.reason.value not in rules.CAPACITY:
        return False
    policy = policy_service.load(uow)
    try:
        family = consent_store.family(uow, contact_id=job.contact_id)
    except NotFound:
        return False
    traits, last_response = policy_facts(uow, contact_id=family.contact_id)
    moved = rules.make_room(
        policy=policy,
        candidate=Candidate(
            at=at, channel=job.channel, priority=job.priority, message_key=job.message_key
        ),
        history=policy_history(uow, ids=family.ids, policy=policy, at=at),
        zone=rules.zone_for(
            trait=traits.get("timezone") or traits.get("time_zone"), default=policy.timezone
        ),
        last_response=last_response,
    )
    if not moved:
        return False
    for past in moved:
        assert past.ref is not None  # only queued jobs are movable
        _yield(uow, job_id=past.ref, winner=job, at=at)
    return True


def _yield(uow: UnitOfWork, *, job_id: int, winner: Job, at: int) -> None:
    """A queued job gives its slot to a higher-priority one: deferred (re-gated later) or
    dropped per its message's ``on_limit``; its booking is cancelled and the key freed."""
    loser = load_job(uow, job_id)
    try:
        on_limit = message_store.get(uow, loser.message_key).message.on_limit
    except NotFound:
        on_limit = "drop"
    detail = f"gave way to {winner.message_key!r} (priority {winner.priority})"
    if loser.send_id is not None:
        uow.conn.execute(
            update(sends)
            .where(sends.c.id == loser.send_id)
            .values(status="cancelled", idempotency_key=None)
        )
    state = "deferred" if on_limit == "defer" else "dropped"
    _set(
        uow,
        loser.id,
        at,
        state=state,
        reason="priority",
        detail=detail,
        send_id=None,
        due_at=max(loser.due_at, at) + 1,
    )
    uow.conn.execute(
        insert(gate_decisions).values(
            contact_id=loser.contact_id,
            channel=loser.channel,
            topic=loser.topic,
            at=at,
            allowed=False,
            reason="priority",
            detail=detail,
            source=loser.source,
        )
    )


def _last_call(uow: UnitOfWork, *, contact_id: int, at: int) -> None:
    """A contact who stopped responding gets one "do you still want to hear from us?"."""
    sunset = policy_service.load(uow).sunset
    if sunset is None or sunset.message is None:
        return
    try:
        family = consent_store.family(uow, contact_id=contact_id)
        message = message_store.get(uow, sunset.message).message
    except NotFound:
        return
    _, last_response = policy_facts(uow, contact_id=family.contact_id)
    enqueue(
        uow,
        contact_id=family.contact_id,
        message_key=message.key,
        source=SUNSET_SOURCE,
        idempotency_key=f"{SUNSET_SOURCE}:{family.contact_id}:{last_response or 0}",
        at=at,
        message=message,
    )


def regate_due(uow: UnitOfWork, *, now: int, limit: int = 1000) -> int:
    """Deferred jobs whose moment came: ask the gate again (they may defer again)."""
    j = send_jobs.c
    rows = uow.conn.execute(
        select(send_jobs)
        .where(j.state == "deferred", millis(j.due_at) <= now)
        .order_by(j.due_at, j.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    messages: dict[str, Message | None] = {}
    for row in rows:
        job = _job(row._mapping)
        if job.message_key not in messages:
            messages[job.message_key] = _message_or_none(uow, job.message_key)
        message = messages[job.message_key]
        if message is None:
            _set(
                uow,
                job.id,
                now,
                state="blocked",
                reason="unknown_message",
                detail=f"message {job.message_key!r} no longer exists",
            )
            continue
        gate_job(uow, job=job, message=message, at=now)
    return len(rows)


def load_job(uow: UnitOfWork, job_id: int) -> Job:
    row = uow.conn.execute(select(send_jobs).where(send_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound("send job")
    return _job(row._mapping)


def _job(row: Any) -> Job:
    return Job(
        id=int(row["id"]),
        contact_id=int(row["contact_id"]),
        message_key=row["message_key"],
        source=row["source"],
        idempotency_key=row["idempotency_key"],
        channel=row["channel"],
        topic=row["topic"],
        priority=int(row["priority"]),
        state=row["state"],
        send_id=None if row["send_id"] is None else int(row["send_id"]),
        attempts=int(row["attempts"]),
        due_at=_ms(row["due_at"]),
    )


def _ms(value: Any) -> int:
    return value if isinstance(value, int) else to_millis(value)


def _message_or_none(uow: UnitOfWork, key: str) -> Message | None:
    try:
        return message_store.get(uow, key).message
    except NotFound:
        return None


def _set(uow: UnitOfWork, job_id: int, now: int, **values: Any) -> None:
    uow.conn.execute(
        update(send_jobs).where(send_jobs.c.id == job_id).values(updated_at=now, **values)
    )


def mark(uow: UnitOfWork, job_ids: Sequence[int], now: int, **values: Any) -> None:
    """Set the same values on several jobs (one statement)."""
    if job_ids:
        uow.conn.execute(
            update(send_jobs)
            .where(among(uow, send_jobs.c.id, job_ids))
            .values(updated_at=now, **values)
        )
