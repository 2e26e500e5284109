"""The send gate for many requests at once (a campaign chunk): the same rules
(``consent.gate.check``), the same log and the same booking as ``reserve_send``, with the
storage read in a few set-based queries instead of a dozen per person.

Requests it cannot settle alone are answered ``None`` and go through ``reserve_send`` one
by one: contacts that were merged (their family spans several rows) or are unknown, and
capacity blocks (cap, gap), where a higher priority may move queued messages aside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from cadence.consent import gate, store
from cadence.consent.gate import Allowed, Blocked, Decision
from cadence.consent.models import FREQUENCY_WINDOW_MS
from cadence.consent.sending import COUNTED_STATUSES, Reservation
from cadence.consent.state import fold
from cadence.consent.suppression import email_hash
from cadence.db.bulk import chunks, millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, gate_decisions, send_jobs, sends, suppressions
from cadence.policy import rules as policy_rules
from cadence.policy import service as policy_service
from cadence.policy.models import PastSend, Policy
from cadence.sending.models import Job
from cadence.sending.sql import among, insert_returning

_LONGEST_FREQUENCY = max(FREQUENCY_WINDOW_MS.values())


@dataclass(frozen=True, kw_only=True)
class Request:
    contact_id: int
    channel: str
    topic: str
    at: int
    source: str
    message_key: str
    idempotency_key: str
    priority: int = 0

    @classmethod
    def for_job(cls, job: Job, *, at: int) -> Request:
        """The gate's question for a send job at ``at``."""
        return cls(
            contact_id=job.contact_id,
            channel=job.channel,
            topic=job.topic,
            at=at,
            source=job.source,
            message_key=job.message_key,
            idempotency_key=job.idempotency_key,
            priority=job.priority,
        )


@dataclass
class _Person:
    email: str | None
    traits: dict[str, Any]
    last_response: int | None
    entries: list[Any]
    suppressed: bool
    sends: list[tuple[int, str, str, int, bool, int | None]]  # at, channel, topic, prio, ...


def reserve_many(uow: UnitOfWork, requests: Sequence[Request]) -> list[Reservation | None]:
    """``reserve_send`` for each request, in order; ``None`` where the caller must ask
    ``reserve_send`` itself (see the module's docstring). Nothing is logged for those."""
    if not requests:
        return []
    config = store.load_config(uow)
    policy = policy_service.load(uow)
    reach = max(_LONGEST_FREQUENCY, policy.longest_window)
    moments = [r.at for r in requests]
    people = _load(
        uow,
        sorted({r.contact_id for r in requests}),
        since=min(moments) - reach,
        until=max(moments) + reach,
    )
    booked = _booked_keys(uow, [r.idempotency_key for r in requests])
    answers: list[Reservation | None] = []
    logs: list[dict[str, Any]] = []
    bookings: list[tuple[int, dict[str, Any]]] = []
    for index, request in enumerate(requests):
        person = people.get(request.contact_id)
        if request.idempotency_key in booked:
            answers.append(Reservation(decision=None, duplicate=True))
            continue
        if person is None:
            answers.append(None)
            continue
        decision = _decide(request, person, config=config, policy=policy)
        if isinstance(decision, Blocked) and decision.reason.value in policy_rules.CAPACITY:
            answers.append(None)
            continue
        logs.append(_log_row(request, decision))
        answers.append(Reservation(decision=decision))
        if isinstance(decision, Allowed):
            booked.add(request.idempotency_key)
            person.sends.append(
                (request.at, request.channel, request.topic, request.priority, False, None)
            )
            bookings.append((index, _send_row(request)))
    if logs:
        uow.conn.execute(insert(gate_decisions), logs)
    if bookings:
        ids = insert_returning(uow, sends, [row for _, row in bookings], key="idempotency_key")
        for index, row in bookings:
            send_id = ids[row["idempotency_key"]]
            answer = answers[index]
            assert answer is not None
            answers[index] = Reservation(decision=answer.decision, send_id=int(send_id))
    return answers


def _decide(request: Request, person: _Person, *, config: Any, policy: Policy) -> Decision:
    near = [s for s in person.sends if abs(s[0] - request.at) < _LONGEST_FREQUENCY]
    return gate.check(
        consent_state=fold(entries=person.entries, config=config),
        suppressed=request.channel == "email" and person.suppressed,
        recent_sends=[s[0] for s in near if s[1] == request.channel and s[2] == request.topic],
        channel=request.channel,
        topic=request.topic,
        at=request.at,
        config=config,
        policy=policy,
        history=[
            PastSend(at=s[0], channel=s[1], priority=s[3], movable=s[4], ref=s[5])
            for s in person.sends
            if abs(s[0] - request.at) < max(policy.longest_window, 1)
        ],
        zone=policy_rules.zone_for(
            trait=person.traits.get("timezone") or person.traits.get("time_zone"),
            default=policy.timezone,
        ),
        last_response=person.last_response,
        priority=request.priority,
        message_key=request.message_key,
    )


def _load(uow: UnitOfWork, ids: list[int], *, since: int, until: int) -> dict[int, _Person]:
    """Live, unmerged contacts (locked, in id order), with what the gate reads about them."""
    c = contacts.c
    people: dict[int, _Person] = {}
    for part in chunks(ids):
        rows = uow.conn.execute(
            select(c.id, c.email, c.traits, millis(c.last_response_at), c.merged_into)
            .where(among(uow, c.id, part))
            .order_by(c.id)
            .with_for_update()
        )
        for cid, email, traits, last, merged in rows:
            if merged is None:
                people[int(cid)] = _Person(
                    email=email,
                    traits=dict(traits) if isinstance(traits, dict) else {},
                    last_response=None if last is None else int(last),
                    entries=[],
                    suppressed=False,
                    sends=[],
                )
        absorbed = uow.conn.scalars(select(c.merged_into).where(among(uow, c.merged_into, part)))
        for survivor in absorbed:  # a family of several rows: the one-by-one path
            people.pop(int(survivor), None)
    live = sorted(people)
    for _, entry in store.load_entries(uow, contact_ids=live):
        people[entry.contact_id].entries.append(entry)
    _mark_suppressed(uow, people)
    _load_sends(uow, people, since=since, until=until)
    return people


def _mark_suppressed(uow: UnitOfWork, people: dict[int, _Person]) -> None:
    hashes = {email_hash(email=p.email): cid for cid, p in people.items() if p.email}
    for part in chunks(sorted(hashes)):
        found = uow.conn.scalars(
            select(suppressions.c.email_hash).where(among(uow, suppressions.c.email_hash, part))
        )
        for value in found:
            people[hashes[value]].suppressed = True


def _load_sends(uow: UnitOfWork, people: dict[int, _Person], *, since: int, until: int) -> None:
    s, j = sends.c, send_jobs.c
    for part in chunks(sorted(people)):
        rows = uow.conn.execute(
            select(s.contact_id, millis(s.at), s.channel, s.topic, j.priority, j.state, j.id)
            .select_from(sends.outerjoin(send_jobs, j.send_id == s.id))
            .where(
                among(uow, s.contact_id, part),
                s.status.in_(COUNTED_STATUSES),
                millis(s.at) > since,
                millis(s.at) < until,
            )
        )
        for cid, moment, channel, topic, priority, state, job_id in rows:
            people[int(cid)].sends.append(
                (
                    int(moment),
                    channel,
                    topic,
                    int(priority or 0),
                    state == "queued",
                    None if job_id is None else int(job_id),
                )
            )


def _booked_keys(uow: UnitOfWork, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(keys):
        found |= set(
            uow.conn.scalars(
                select(sends.c.idempotency_key).where(among(uow, sends.c.idempotency_key, part))
            )
        )
    return found


def _log_row(request: Request, decision: Decision) -> dict[str, Any]:
    blocked = decision if isinstance(decision, Blocked) else None
    return {
        "contact_id": request.contact_id,
        "channel": request.channel[:32],
        "topic": request.topic[:64],
        "at": request.at,
        "allowed": blocked is None,
        "reason": blocked.reason.value if blocked is not None else None,
        "detail": blocked.detail if blocked is not None else None,
        "source": request.source[:128],
    }


def _send_row(request: Request) -> dict[str, Any]:
    return {
        "contact_id": request.contact_id,
        "channel": request.channel,
        "topic": request.topic,
        "message_key": request.message_key,
        "source": request.source,
        "idempotency_key": request.idempotency_key,
        "status": "queued",
        "at": request.at,
    }
