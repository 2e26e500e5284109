"""Lapses that fall due by time: implied consent past its validity, unconfirmed requests.

The gate and the condition language already treat a lapsed row as expired at the instant
it lapses; ``expire_due`` (run by the scheduler) adds the evidence: an ``expired`` ledger
entry dated at the lapse, the stored status, an outbox row and the segment moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from cadence.consent import ledger, store
from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Action, Source, Status
from cadence.consent.service import refold
from cadence.consent.state import ConsentRow, ContactConsent, fold
from cadence.db.engine import UnitOfWork
from cadence.segments.membership import Touch, update_memberships


@dataclass
class ExpiryReport:
    contacts: int = 0
    entries: int = 0


def expire_due(uow: UnitOfWork, *, now: int, limit: int = 500) -> ExpiryReport:
    """Record every lapse due at ``now`` for up to ``limit`` contacts; 0 contacts when idle."""
    report = ExpiryReport()
    config = store.load_config(uow)
    touches: dict[int, Touch] = {}
    for contact_id in store.due_contacts(uow, now=now, limit=limit):
        family = store.family(uow, contact_id=contact_id, lock=True)
        if family.contact_id in touches:
            continue
        entries = [entry for _, entry in store.load_entries(uow, contact_ids=family.ids)]
        lapses = _lapse_entries(
            entries=entries, contact_id=family.contact_id, config=config, now=now
        )
        if lapses:
            head = store.head_hash(uow, contact_id=family.contact_id)
            sealed = ledger.chain(entries=lapses, heads={family.contact_id: head})
            for entry_id, entry in zip(store.append(uow, entries=sealed), sealed, strict=True):
                payload = {"channel": entry.channel, "topic": entry.topic, "entry_id": entry_id}
                store.add_outbox(
                    uow,
                    topic="consent.expired",
                    contact_id=entry.contact_id,
                    payload=payload,
                    now=now,
                )
        refold(uow, family=family, config=config, now=now)  # stores the lapsed statuses
        touches[family.contact_id] = Touch(consent=True, cause="consent expired")
        report.contacts += 1
        report.entries += len(lapses)
    if touches:
        update_memberships(uow, touches, now=now)
    return report


def next_expiry_at(uow: UnitOfWork) -> int | None:
    """When ``expire_due`` next has work (epoch ms), or None."""
    return store.next_lapse_at(uow)


def _lapse_entries(
    *, entries: list[LedgerEntry], contact_id: int, config: PermissionConfig, now: int
) -> list[LedgerEntry]:
    """An ``expired`` entry per lapsed row, per-topic rows first.

    An entry for ``'*'`` also applies to the channel's per-topic rows, so it is written only
    when it changes no row that is still in force; otherwise the lapse of the ``'*'`` row is
    only stored as its status (the gate and conditions read its ``expires_at`` anyway).
    """
    state = fold(entries=entries, config=config)
    lapsed = sorted(
        (row for row in state.rows.values() if _lapsed(row, now=now)),
        key=lambda row: (row.topic == ALL_TOPICS, row.channel, row.topic),
    )
    chosen: list[LedgerEntry] = []
    for row in lapsed:
        assert row.expires_at is not None
        candidate = LedgerEntry(
            contact_id=contact_id,
            channel=row.channel,
            topic=row.topic,
            action=Action.EXPIRED,
            source=Source.SYSTEM,
            at=row.expires_at,
        )
        if row.topic == ALL_TOPICS:
            before = fold(entries=[*entries, *chosen], config=config)
            after = fold(entries=[*entries, *chosen, candidate], config=config)
            if _changed_in_force(before, after, channel=row.channel, now=now):
                continue
        chosen.append(candidate)
    return chosen


def _lapsed(row: ConsentRow, *, now: int) -> bool:
    return (
        row.status in (Status.GRANTED, Status.PENDING)
        and row.expires_at is not None
        and row.expires_at <= now
    )


def _changed_in_force(
    before: ContactConsent, after: ContactConsent, *, channel: str, now: int
) -> bool:
    for key, row in after.rows.items():
        if key[0] != channel or key[1] == ALL_TOPICS:
            continue
        previous = before.rows.get(key)
        if previous is None or previous.status_at(at=now) != row.status_at(at=now):
            return True
    return False
