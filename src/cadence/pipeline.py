"""The one path every change of a contact takes, inside one transaction per batch.

ingest -> identity -> profile -> segments (scoring, lifecycle and journeys join here as
they land). This module and the scheduler are the only places that call several domains.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import contact_accounts, contacts
from cadence.events.batch import ContactChange
from cadence.events.ingest import IngestResult, ingest
from cadence.events.spec import Event
from cadence.segments.membership import Touch, update_memberships
from cadence.segments.store import load_segments


def touch_of(change: ContactChange) -> Touch:
    return Touch(
        created=change.created or change.merged,
        traits=set(change.traits),
        events={e.name or e.type for e in change.events},
        accounts=change.accounts,
        cause="merged with another contact" if change.merged else "",
    )


def process(uow: UnitOfWork, events: Sequence[Event], *, now: int) -> IngestResult:
    """Ingest, resolve identities, update profiles, then move segment memberships."""
    result = ingest(uow, events, now=now)
    if not result.changes and not result.changed_accounts:
        return result
    live = load_segments(uow)
    touches = {cid: touch_of(change) for cid, change in result.changes.items()}
    if result.changed_accounts and any(s.deps.account_traits for s in live):
        for contact_id in _account_members(uow, result.changed_accounts):
            touches.setdefault(contact_id, Touch()).accounts = True
    update_memberships(uow, touches, now=now, live=live)
    return result


def _account_members(uow: UnitOfWork, account_ids: set[int]) -> list[int]:
    ca = contact_accounts.c
    query = (
        select(ca.contact_id)
        .join(contacts, contacts.c.id == ca.contact_id)
        .where(ca.account_id.in_(sorted(account_ids)), contacts.c.merged_into.is_(None))
    )
    return list(uow.conn.scalars(query))
