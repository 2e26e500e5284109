"""THE send gate, backed by storage: every outbound message asks ``check_send`` (or
``reserve_send``, which also books the send) and every answer is logged with its reason.

The consent state is folded from the ledgers of the contact and of every contact merged
into it, so a merge can never lose a withdrawal or a frequency choice, whether or not the
stored ``consents`` rows were refreshed yet. Sends of merged contacts count too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import insert, select

from cadence.consent import gate, store
from cadence.consent.gate import Allowed, Blocked, Decision, Reason
from cadence.consent.models import FREQUENCY_WINDOW_MS
from cadence.consent.service import suppressed_for
from cadence.consent.state import fold
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, gate_decisions, send_jobs, sends
from cadence.errors import NotFound
from cadence.policy import rules as policy_rules
from cadence.policy import service as policy_service
from cadence.policy.models import PastSend, Policy

# a failed or cancelled send reached nobody; ``unknown`` may have (killed mid-send)
COUNTED_STATUSES: Final = ("queued", "sending", "sent", "unknown", "bounced")
_LONGEST_WINDOW: Final = max(FREQUENCY_WINDOW_MS.values())


@dataclass(frozen=True, kw_only=True)
class Reservation:
    """The gate's answer and, when allowed, the booked ``sends`` row.

    ``duplicate``: a send with this idempotency key exists already (nothing was checked).
    """

    decision: Decision | None
    send_id: int | None = None
    duplicate: bool = False


def check_send(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    at: int,
    source: str | None,
) -> Decision:
    """May a message about ``topic`` go to the contact on ``channel`` at ``at``? Logged."""
    return _decide(uow, contact_id=contact_id, channel=channel, topic=topic, at=at, source=source)


def reserve_send(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    at: int,
    source: str | None,
    message_key: str | None = None,
    idempotency_key: str | None = None,
    priority: int = 0,
) -> Reservation:
    """Check and, if allowed, book the send under the contact's lock, so two concurrent
    messages cannot both pass a frequency choice."""
    if idempotency_key is not None:
        found = uow.conn.execute(
            select(sends.c.id).where(sends.c.idempotency_key == idempotency_key)
        ).first()
        if found is not None:
            return Reservation(decision=None, send_id=int(found[0]), duplicate=True)
    decision = _decide(
        uow,
        contact_id=contact_id,
        channel=channel,
        topic=topic,
        at=at,
        source=source,
        lock=True,
        priority=priority,
        message_key=message_key,
    )
    if not isinstance(decision, Allowed):
        return Reservation(decision=decision)
    family = store.family(uow, contact_id=contact_id)
    send_id = uow.conn.execute(
        insert(sends)
        .values(
            contact_id=family.contact_id,
            channel=channel,
            topic=topic,
            message_key=message_key,
            source=source,
            idempotency_key=idempotency_key,
            status="queued",
            at=at,
        )
        .returning(sends.c.id)
    ).scalar_one()
    return Reservation(decision=decision, send_id=int(send_id))


def _decide(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    at: int,
    source: str | None,
    lock: bool = False,
    priority: int = 0,
    message_key: str | None = None,
) -> Decision:
    try:
        family = store.family(uow, contact_id=contact_id, lock=lock)
    except NotFound:
        blocked = Blocked(reason=Reason.NO_CONSENT, detail="no such contact (unknown or erased)")
        _log(
            uow,
            contact_id=contact_id,
            channel=channel,
            topic=topic,
            at=at,
            decision=blocked,
            source=source,
        )
        return blocked
    config = store.load_config(uow)
    entries = [entry for _, entry in store.load_entries(uow, contact_ids=family.ids)]
    policy = policy_service.load(uow)
    traits, last_response = policy_facts(uow, contact_id=family.contact_id)
    decision = gate.check(
        consent_state=fold(entries=entries, config=config),
        suppressed=suppressed_for(family=family, channel=channel, uow=uow) is not None,
        recent_sends=_recent_sends(uow, ids=family.ids, channel=channel, topic=topic, at=at),
        channel=channel,
        topic=topic,
        at=at,
        config=config,
        policy=policy,
        history=policy_history(uow, ids=family.ids, policy=policy, at=at),
        zone=policy_rules.zone_for(
            trait=traits.get("timezone") or traits.get("time_zone"), default=policy.timezone
        ),
        last_response=last_response,
        priority=priority,
        message_key=message_key,
    )
    _log(
        uow,
        contact_id=family.contact_id,
        channel=channel,
        topic=topic,
        at=at,
        decision=decision,
        source=source,
    )
    return decision


def _recent_sends(
    uow: UnitOfWork, *, ids: Sequence[int], channel: str, topic: str, at: int
) -> list[int]:
    """Times of the contact's sends of ``topic`` on ``channel`` near ``at`` (both sides)."""
    s = sends.c
    at_ms = millis(s.at)
    query = select(at_ms).where(
        s.contact_id.in_(list(ids)),
        s.channel == channel,
        s.topic == topic,
        s.status.in_(COUNTED_STATUSES),
        at_ms > at - _LONGEST_WINDOW,
        at_ms < at + _LONGEST_WINDOW,
    )
    return [int(value) for value in uow.conn.scalars(query)]


def policy_facts(uow: UnitOfWork, *, contact_id: int) -> tuple[dict[str, object], int | None]:
    """The contact's traits (for its time zone) and its latest response (for the sunset)."""
    c = contacts.c
    row = uow.conn.execute(
        select(c.traits, millis(c.last_response_at)).where(c.id == contact_id)
    ).first()
    if row is None:
        return {}, None
    traits = row[0] if isinstance(row[0], dict) else {}
    return traits, None if row[1] is None else int(row[1])


def policy_history(
    uow: UnitOfWork, *, ids: Sequence[int], policy: Policy, at: int
) -> list[PastSend]:
    """The contact's booked sends on every channel that the policy's windows can reach."""
    reach = policy.longest_window
    if reach <= 0:
        return []
    s, j = sends.c, send_jobs.c
    at_ms = millis(s.at)
    query = (
        select(at_ms, s.channel, j.priority, j.state, j.id)
        .select_from(sends.outerjoin(send_jobs, j.send_id == s.id))
        .where(
            s.contact_id.in_(list(ids)),
            s.status.in_(COUNTED_STATUSES),
            at_ms > at - reach,
            at_ms < at + reach,
        )
    )
    return [
        PastSend(
            at=int(row[0]),
            channel=row[1],
            priority=int(row[2] or 0),
            movable=row[3] == "queued",
            ref=None if row[4] is None else int(row[4]),
        )
        for row in uow.conn.execute(query)
    ]


def _log(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    at: int,
    decision: Decision,
    source: str | None,
) -> None:
    blocked = decision if isinstance(decision, Blocked) else None
    uow.conn.execute(
        insert(gate_decisions).values(
            contact_id=contact_id,
            channel=channel[:32],
            topic=topic[:64],
            at=at,
            allowed=blocked is None,
            reason=blocked.reason.value if blocked is not None else None,
            detail=blocked.detail if blocked is not None else None,
            source=source[:128] if source is not None else None,
        )
    )


def decision_json(decision: Decision) -> dict[str, object]:
    """The answer of the gate as the API shows it."""
    if isinstance(decision, Allowed):
        row = decision.consent
        return {
            "allowed": True,
            "reason": None,
            "detail": None,
            "retry_at": None,
            "consent": {"channel": row.channel, "topic": row.topic, "status": row.status.value},
        }
    return {
        "allowed": False,
        "reason": decision.reason.value,
        "detail": decision.detail,
        "retry_at": decision.retry_at,
    }
