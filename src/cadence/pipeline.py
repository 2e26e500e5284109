"""The one path every change of a contact takes, inside one transaction per batch.

ingest -> identity -> profile -> score, grade, lifecycle -> segments. This module and the
scheduler are the only places that call several domains in a row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cadence.consent import identify
from cadence.consent import service as consent_service
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contact_accounts, contacts
from cadence.events.batch import ContactChange
from cadence.events.ingest import IngestResult, ingest
from cadence.events.spec import Event
from cadence.journeys import triggers as journey_triggers
from cadence.scoring import owners
from cadence.scoring import settings as lead_settings
from cadence.scoring.rules import Event as ScoredEvent
from cadence.scoring.service import LeadTouch, update_leads
from cadence.segments.membership import LEAD_COLUMNS, Touch, update_memberships, with_columns
from cadence.segments.store import load_segments


def touch_of(change: ContactChange) -> Touch:
    return Touch(
        created=change.created or change.merged,
        traits=set(change.traits),
        events={e.name or e.type for e in change.events},
        accounts=change.accounts,
        cause="merged with another contact" if change.merged else "",
        ingested=change.columns,
    )


def lead_touch_of(change: ContactChange) -> LeadTouch:
    return LeadTouch(
        events=[
            ScoredEvent(name=e.name, ts=e.ts, properties=e.properties)
            for e in change.events
            if e.name
        ],
        message_ids={e.message_id for e in change.events},
        profile=bool(change.created or change.merged or change.traits or change.accounts),
        rescore=change.merged,
        created=change.created and not change.merged,
    )


def process(uow: UnitOfWork, events: Sequence[Event], *, now: int) -> IngestResult:
    """Ingest, resolve identities, update profiles, score and qualify, move segments."""
    result = ingest(uow, events, now=now)
    if not result.changes and not result.changed_accounts:
        return result
    touches = {cid: touch_of(change) for cid, change in result.changes.items()}
    leads = {cid: lead_touch_of(change) for cid, change in result.changes.items()}
    for contact_id in _account_members(uow, result.changed_accounts):
        touches.setdefault(contact_id, Touch()).accounts = True
        leads.setdefault(contact_id, LeadTouch()).profile = True
    _consent(uow, result, touches, now=now)
    config = lead_settings.load(uow)
    for contact_id in update_leads(uow, leads, now=now, settings=config):
        with_columns(touches[contact_id], LEAD_COLUMNS)
    update_memberships(
        uow, touches, now=now, half_life_days=config.half_life_days, live=load_segments(uow)
    )
    journey_triggers.on_changes(uow, result.changes, now=now)
    return result


def change_owner(
    uow: UnitOfWork, contact_id: int, *, owner: str | None, actor: str, reason: str, now: int
) -> owners.OwnerChange | None:
    """Give a contact its sales owner; segments on ``owner`` follow in the same transaction."""
    change = owners.assign(
        uow, contact_id=contact_id, owner=owner, actor=actor, reason=reason, now=now
    )
    if change is not None:
        touch = Touch(columns=True, cause="owner changed")
        config = lead_settings.load(uow)
        update_memberships(uow, {contact_id: touch}, now=now, half_life_days=config.half_life_days)
    return change


def _consent(uow: UnitOfWork, result: IngestResult, touches: dict[int, Touch], *, now: int) -> None:
    """Consent stated in identify traits joins the ledger; merged contacts' state is re-folded."""
    merged = [cid for cid, change in result.changes.items() if change.merged]
    if merged:
        consent_service.refold_contacts(uow, contact_ids=merged, now=now)
    for contact_id, change in result.changes.items():
        for event in change.events:
            if event.type == "identify" and "consent" in event.traits:
                identify.record_from_traits(
                    uow,
                    contact_id=contact_id,
                    traits=event.traits,
                    at=event.ts,
                    now=now,
                    context=event.context,
                    update_segments=False,
                )
                touches[contact_id].consent = True


def _account_members(uow: UnitOfWork, account_ids: set[int]) -> list[int]:
    if not account_ids:
        return []
    ca = contact_accounts.c
    query = (
        select(ca.contact_id)
        .join(contacts, contacts.c.id == ca.contact_id)
        .where(ca.account_id.in_(sorted(account_ids)), contacts.c.merged_into.is_(None))
    )
    return list(uow.conn.scalars(query))
