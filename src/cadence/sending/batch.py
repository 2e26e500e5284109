"""Enqueue one message for many contacts at once (a campaign chunk, a journey runner's send
steps of one pass): the same outcome as ``enqueue`` called for each in order, with the gate
asked in bulk (``sending.gate.reserve_many``).

A contact may appear more than once (several enrolments of one journey); a key repeated
within the batch is a duplicate of its first occurrence, as it would be one call after the
other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update

from cadence.consent.gate import Blocked
from cadence.db.bulk import chunks
from cadence.db.engine import UnitOfWork
from cadence.db.tables import send_jobs
from cadence.messages.models import Message
from cadence.sending.gate import Request, reserve_many
from cadence.sending.models import Enqueued, Job
from cadence.sending.service import gate_job, hold, mark
from cadence.sending.sql import among, insert_returning


def enqueue_many(
    uow: UnitOfWork,
    *,
    contact_ids: Sequence[int],
    message: Message,
    source: str,
    key_prefix: str,
    at: int,
    campaign_id: int | None = None,
) -> list[Enqueued]:
    """``enqueue`` for each contact (idempotency key ``key_prefix + contact id``), in order."""
    return enqueue_keyed(
        uow,
        items=[(cid, f"{key_prefix}{cid}") for cid in contact_ids],
        message=message,
        source=source,
        at=at,
        campaign_id=campaign_id,
    )


def enqueue_keyed(
    uow: UnitOfWork,
    *,
    items: Sequence[tuple[int, str]],
    message: Message,
    source: str,
    at: int,
    campaign_id: int | None = None,
) -> list[Enqueued]:
    """``enqueue`` for each (contact id, idempotency key), in order."""
    known = _existing(uow, sorted({key for _, key in items}))
    fresh: dict[str, int] = {}
    for contact_id, key in items:
        if key not in known and key not in fresh:
            fresh[key] = contact_id
    jobs = _insert_jobs(uow, fresh, message=message, source=source, at=at, campaign_id=campaign_id)
    done = {job.idempotency_key: gated for job, gated in _gate(uow, jobs, message, at)}
    out: list[Enqueued] = []
    first: set[str] = set()
    for _, key in items:
        if key in done and key not in first:
            first.add(key)
            out.append(done[key])
        else:
            job_id = known.get(key) or done[key].job_id
            out.append(Enqueued(status="duplicate", job_id=job_id))
    return out


def _gate(
    uow: UnitOfWork, jobs: list[Job], message: Message, at: int
) -> list[tuple[Job, Enqueued]]:
    requests = [Request.for_job(job, at=at) for job in jobs]
    out: list[tuple[Job, Enqueued]] = []
    queued: list[dict[str, int]] = []
    for job, answer in zip(jobs, reserve_many(uow, requests), strict=True):
        if answer is None:  # merged contacts, capacity: the one-by-one path decides
            out.append((job, gate_job(uow, job=job, message=message, at=at)))
        elif answer.duplicate:
            mark(uow, [job.id], at, state="blocked", reason="duplicate", detail="already booked")
            out.append((job, Enqueued(status="duplicate", job_id=job.id)))
        elif answer.send_id is not None:
            queued.append({"b_id": job.id, "b_send": answer.send_id})
            out.append((job, Enqueued(status="queued", job_id=job.id, send_id=answer.send_id)))
        else:
            assert isinstance(answer.decision, Blocked)
            out.append((job, hold(uow, job=job, message=message, at=at, blocked=answer.decision)))
    if queued:
        j = send_jobs.c
        uow.conn.execute(
            update(send_jobs)
            .where(j.id == bindparam("b_id"))
            .values(state="queued", send_id=bindparam("b_send"), due_at=at, updated_at=at),
            queued,
        )
    return out


def _existing(uow: UnitOfWork, keys: list[str]) -> dict[str, int]:
    j = send_jobs.c
    found: dict[str, int] = {}
    for part in chunks(keys):
        rows = uow.conn.execute(
            select(j.idempotency_key, j.id).where(among(uow, j.idempotency_key, part))
        )
        found.update({key: int(job_id) for key, job_id in rows})
    return found


def _insert_jobs(
    uow: UnitOfWork,
    fresh: dict[str, int],
    *,
    message: Message,
    source: str,
    at: int,
    campaign_id: int | None,
) -> list[Job]:
    if not fresh:
        return []
    rows: list[dict[str, Any]] = [
        {
            "idempotency_key": key,
            "contact_id": contact_id,
            "message_key": message.key,
            "source": source[:128],
            "campaign_id": campaign_id,
            "channel": message.channel,
            "topic": message.topic,
            "priority": message.priority,
            "state": "new",
            "due_at": at,
            "attempts": 0,
            "created_at": at,
            "updated_at": at,
        }
        for key, contact_id in fresh.items()
    ]
    ids = insert_returning(uow, send_jobs, rows, key="idempotency_key")
    return [
        Job(
            id=int(ids[row["idempotency_key"]]),
            contact_id=row["contact_id"],
            message_key=message.key,
            source=row["source"],
            idempotency_key=row["idempotency_key"],
            channel=message.channel,
            topic=message.topic,
            priority=message.priority,
            state="new",
            send_id=None,
            attempts=0,
            due_at=at,
        )
        for row in rows
    ]
