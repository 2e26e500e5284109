"""Deliver due sends: claim, render, hand to the channel, record. Network calls happen
between two commits, never inside a transaction.

The state machine makes a restart safe: a batch is claimed (``queued -> sending``, with a
lease) and committed *before* anything is handed to a channel, and the outcome is recorded
after. A process killed in between leaves ``sending`` rows; once their lease ends they are
recorded ``unknown`` and never sent again: the server may or may not have accepted them,
and sending twice is the worse error. The window is one batch (``send_batch_size``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine, bindparam, select, update

from cadence.channels.base import Delivery, Outgoing, Transport
from cadence.channels.registry import transports as configured
from cadence.config import Settings
from cadence.consent.links import Links, signing_key
from cadence.db.bulk import chunks, millis
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import contacts, send_jobs, sends
from cadence.errors import NotFound
from cadence.messages import store as message_store
from cadence.messages.models import MessageLinks, Rendered
from cadence.messages.render import Prepared, prepare
from cadence.runtime import secret_key
from cadence.sending import events
from cadence.sending import section as channel_addresses
from cadence.sending.addresses import NEEDS_ADDRESS, address_for
from cadence.sending.render import render_many
from cadence.sending.service import mark
from cadence.sending.sql import among

BACKOFF_MS: Final = 60_000  # first retry after a minute, then x4 each time
HANDOVER_PART: Final = 100  # sends rendered, then handed over, together


@dataclass(frozen=True, kw_only=True)
class Claimed:
    job_id: int
    send_id: int
    contact_id: int  # the live contact the send was booked for
    message_key: str
    channel: str
    topic: str
    attempts: int
    source: str = ""  # the send's source (``campaign:7``, a journey step), for its events


def deliver_due(
    engine: Engine,
    settings: Settings,
    *,
    now: int,
    limit: int,
    transports: Mapping[str, Transport] | None = None,
) -> int:
    """Deliver up to ``limit`` queued sends due at ``now``; returns how many were claimed.

    ``transports`` lets a long-running caller keep connections open between calls; without
    it the configured ones are opened (only when something was claimed) and closed here.
    """
    with unit_of_work(engine) as uow:
        recover_stale(uow, now=now)
        claimed = claim(uow, now=now, limit=limit, lease_ms=int(settings.send_lease_seconds * 1000))
    if not claimed:
        return 0
    if transports is not None:
        _deliver(engine, settings, claimed, now=now, transports=transports)
        return len(claimed)
    opened = configured(settings, engine)
    try:
        _deliver(engine, settings, claimed, now=now, transports=opened)
    finally:
        for transport in opened.values():
            transport.close()
    return len(claimed)


def _deliver(
    engine: Engine,
    settings: Settings,
    claimed: Sequence[Claimed],
    *,
    now: int,
    transports: Mapping[str, Transport],
) -> None:
    links = Links(
        key=signing_key(secret=secret_key(engine, settings)), base_url=settings.public_url
    )
    attempts = settings.send_max_attempts
    handed: list[Future[list[Delivery]]] = []
    # each part is rendered while the one before it is on the wire, and two parts may be
    # in the transport at once: no connection waits for the end of a part to start the next
    with ThreadPoolExecutor(2, thread_name_prefix="cadence-handover") as handover:
        try:
            for part in chunks(claimed, HANDOVER_PART):
                with unit_of_work(engine, write=False) as uow:
                    outgoing, failures = build(uow, part, links=links, now=now)
                if failures:  # never handed to a channel: recorded at once, so a crash cannot
                    with unit_of_work(engine) as uow:  # blur them
                        record(uow, part, failures, now=now, max_attempts=attempts)
                handed.append(handover.submit(_hand_over, outgoing, transports))
        finally:  # what was handed over is recorded even if a later part could not be built
            deliveries = [delivery for future in handed for delivery in future.result()]
            with unit_of_work(engine) as uow:
                record(uow, claimed, deliveries, now=now, max_attempts=attempts)


def _hand_over(outgoing: Sequence[Outgoing], transports: Mapping[str, Transport]) -> list[Delivery]:
    """Each message to its channel's transport; what became of each."""
    deliveries: list[Delivery] = []
    for channel, items in _by_channel(outgoing).items():
        transport = transports.get(channel)
        if transport is None:
            detail = f"channel {channel!r} is not configured"
            deliveries += [
                Delivery(send_id=o.send_id, status="failed", detail=detail) for o in items
            ]
            continue
        deliveries += transport.deliver(items)
    return deliveries


def recover_stale(uow: UnitOfWork, *, now: int) -> int:
    """Sends whose worker never came back: ``unknown``, never resent."""
    j = send_jobs.c
    rows = uow.conn.execute(
        select(j.id, j.send_id).where(j.state == "sending", millis(j.lease_until) < now)
    ).all()
    if not rows:
        return 0
    detail = "the sender stopped after handing it over; it may or may not have gone out"
    mark(uow, [r.id for r in rows], now, state="unknown", reason="interrupted", detail=detail)
    _send_status(uow, [r.send_id for r in rows if r.send_id is not None], "unknown")
    return len(rows)


def claim(uow: UnitOfWork, *, now: int, limit: int, lease_ms: int) -> list[Claimed]:
    """Take up to ``limit`` due queued sends (skipping rows other workers hold)."""
    j = send_jobs.c
    rows = uow.conn.execute(
        select(
            *(j.id, j.send_id, sends.c.contact_id, j.message_key, j.channel, j.topic),
            *(j.attempts, j.source),
        )
        .join(sends, sends.c.id == j.send_id)
        .where(j.state == "queued", millis(j.due_at) <= now)
        .order_by(j.due_at, j.id)
        .limit(limit)
        .with_for_update(of=send_jobs, skip_locked=True)
    ).all()
    claimed = [
        Claimed(
            job_id=int(r[0]),
            send_id=int(r[1]),
            contact_id=int(r[2]),
            message_key=r[3],
            channel=r[4],
            topic=r[5],
            attempts=int(r[6]) + 1,
            source=r[7] or "",
        )
        for r in rows
    ]
    ids = [c.job_id for c in claimed]
    if ids:
        uow.conn.execute(
            update(send_jobs)
            .where(among(uow, j.id, ids))
            .values(
                state="sending",
                lease_until=now + lease_ms,
                attempts=j.attempts + 1,
                updated_at=now,
            )
        )
        _send_status(uow, [c.send_id for c in claimed], "sending")
    return claimed


def build(
    uow: UnitOfWork, claimed: Sequence[Claimed], *, links: Links, now: int
) -> tuple[list[Outgoing], list[Delivery]]:
    """Personalise each claimed send; a send that cannot be rendered or addressed fails."""
    people = _people(uow, [c.contact_id for c in claimed])
    reach = channel_addresses.load(uow)
    outgoing: list[Outgoing] = []
    failures: list[Delivery] = []
    by_message: dict[str, list[Claimed]] = defaultdict(list)
    for item in claimed:
        by_message[item.message_key].append(item)
    for key, items in by_message.items():
        prepared = _prepared(uow, key)
        ready: dict[int, tuple[Claimed, str, MessageLinks]] = {}
        for item in items:
            email, traits = people.get(item.contact_id, (None, {}))
            address = address_for(channel=item.channel, email=email, traits=traits, config=reach)
            problem = _problem(item, prepared, address, known=item.contact_id in people)
            if problem is not None:
                failures.append(Delivery(send_id=item.send_id, status="failed", detail=problem))
            else:
                ready[item.send_id] = (item, address, _personal(links, item, now))
        if prepared is None or not ready:
            continue
        rendered = render_many(
            uow,
            prepared=prepared,
            links={item.contact_id: personal for item, _, personal in ready.values()},
            now=now,
        )
        for item, address, personal in ready.values():
            result = rendered.get(item.contact_id)
            if not isinstance(result, Rendered):
                detail = str(result) if result is not None else "the contact no longer exists"
                failures.append(Delivery(send_id=item.send_id, status="failed", detail=detail))
                continue
            outgoing.append(
                Outgoing(
                    send_id=item.send_id,
                    contact_id=item.contact_id,
                    channel=item.channel,
                    topic=item.topic,
                    message_key=item.message_key,
                    address=address,
                    rendered=result,
                    links=personal,
                    at=now,
                )
            )
    return outgoing, failures


def _personal(links: Links, item: Claimed, now: int) -> MessageLinks:
    return MessageLinks(
        preferences=links.preferences(contact_id=item.contact_id, now=now),
        unsubscribe=links.unsubscribe(
            contact_id=item.contact_id, channel=item.channel, topic=item.topic, now=now
        ),
    )


def record(
    uow: UnitOfWork,
    claimed: Sequence[Claimed],
    deliveries: Sequence[Delivery],
    *,
    now: int,
    max_attempts: int,
) -> None:
    """Write each outcome (one statement per kind): sent, failed, or back to the queue with
    a back-off; sent and failed ones are published to the outbox in the same transaction."""
    by_send = {c.send_id: c for c in claimed}
    final: list[dict[str, Any]] = []
    published: list[events.Outcome] = []
    retries: list[dict[str, Any]] = []
    statuses: dict[str, list[int]] = defaultdict(list)
    for delivery in deliveries:
        item = by_send.get(delivery.send_id)
        if item is None:
            continue
        status = delivery.status
        if status == "retry" and item.attempts >= max_attempts:
            status = "failed"
        if status == "retry":
            due = now + BACKOFF_MS * 4 ** (item.attempts - 1)
            retries.append({"b_id": item.job_id, "b_due": due, "b_detail": delivery.detail})
            statuses["queued"].append(item.send_id)
            continue
        final.append(
            {
                "b_id": item.job_id,
                "b_state": status,
                "b_reason": None if status == "sent" else "delivery_failed",
                "b_detail": delivery.detail,
                "b_provider": (delivery.provider_id or "")[:255] or None,
            }
        )
        statuses[status].append(item.send_id)
        published.append(_outcome(item, delivery, status))
    j = send_jobs.c
    if final:
        uow.conn.execute(
            update(send_jobs)
            .where(j.id == bindparam("b_id"))
            .values(
                state=bindparam("b_state"),
                reason=bindparam("b_reason"),
                detail=bindparam("b_detail"),
                provider_id=bindparam("b_provider"),
                lease_until=None,
                updated_at=now,
            ),
            final,
        )
    if retries:
        uow.conn.execute(
            update(send_jobs)
            .where(j.id == bindparam("b_id"))
            .values(
                state="queued",
                due_at=bindparam("b_due"),
                detail=bindparam("b_detail"),
                lease_until=None,
                updated_at=now,
            ),
            retries,
        )
    for outcome, send_ids in statuses.items():
        _send_status(uow, send_ids, outcome)
    events.publish(uow.conn, published, at=now)


def _outcome(item: Claimed, delivery: Delivery, status: str) -> events.Outcome:
    return events.Outcome(
        status=status,
        send_id=item.send_id,
        contact_id=item.contact_id,
        message_key=item.message_key,
        channel=item.channel,
        topic=item.topic,
        source=item.source,
        detail=delivery.detail,
        provider_id=delivery.provider_id,
    )


def _send_status(uow: UnitOfWork, send_ids: Sequence[int], status: str) -> None:
    for part in chunks(send_ids):
        uow.conn.execute(update(sends).where(among(uow, sends.c.id, part)).values(status=status))


def _people(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, tuple[str | None, dict[str, Any]]]:
    c = contacts.c
    rows = uow.conn.execute(
        select(c.id, c.email, c.traits).where(among(uow, c.id, sorted(set(ids))))
    )
    return {int(r[0]): (r[1], r[2] if isinstance(r[2], dict) else {}) for r in rows}


def _prepared(uow: UnitOfWork, key: str) -> Prepared | None:
    try:
        return prepare(message_store.get(uow, key).message)
    except NotFound:
        return None


def _problem(item: Claimed, message: Prepared | None, address: str, *, known: bool) -> str | None:
    if message is None:
        return f"message {item.message_key!r} no longer exists"
    if not known:
        return "the contact no longer exists"
    if not address and item.channel in NEEDS_ADDRESS:
        return f"the contact has no {item.channel} address"
    return None


def _by_channel(items: Sequence[Outgoing]) -> dict[str, list[Outgoing]]:
    grouped: dict[str, list[Outgoing]] = defaultdict(list)
    for item in items:
        grouped[item.channel].append(item)
    return grouped
