"""Use cases that record consent: append to the ledger, re-fold the state, tell the others.

One call appends entries for one contact under that contact's lock, chained from the stored
head, replaces the folded ``consents`` rows, marks the profile as having preferences, writes
an outbox row per entry and moves the contact's segment memberships, all in the caller's
transaction. A request that is refused raises before anything is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from cadence.consent import ledger, store
from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry, LedgerError
from cadence.consent.links import Links
from cadence.consent.models import ALL_TOPICS, Action, Basis, Source, Status
from cadence.consent.state import ConsentRow, ContactConsent, fold
from cadence.consent.suppression import GrantScreen, screen_grant
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError
from cadence.segments.membership import Touch, update_memberships

EMAIL_CHANNEL: Final = "email"
"""The channel whose address is the email: the suppression list (hashed emails) applies to it."""

_GRANTING: Final = frozenset({Action.GRANTED, Action.PENDING})


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """One appended entry and the consent it left in force for its (channel, topic)."""

    entry_id: int
    entry: LedgerEntry
    consent: ConsentRow | None
    status: Status | None
    confirm_url: str | None = None


def field_error(error: LedgerError) -> FieldError:
    """A ledger problem ("field: message") as the field error the API answers with."""
    name, _, message = str(error).partition(": ")
    return FieldError(name, message) if message else FieldError("entry", str(error))


def suppressed_for(*, family: store.Family, channel: str, uow: UnitOfWork) -> str | None:
    """The suppression reason that applies to ``channel`` for this contact, if any."""
    if channel != EMAIL_CHANNEL:
        return None
    return store.suppression(uow, email=family.email)


def record_consent(
    uow: UnitOfWork,
    *,
    entry: LedgerEntry,
    now: int,
    links: Links | None = None,
    update_segments: bool = True,
) -> Recorded:
    """Append one entry for ``entry.contact_id`` and update the current state."""
    return record_entries(
        uow,
        contact_id=entry.contact_id,
        entries=[entry],
        now=now,
        links=links,
        update_segments=update_segments,
    )[0]


def record_entries(
    uow: UnitOfWork,
    *,
    contact_id: int,
    entries: Sequence[LedgerEntry],
    now: int,
    links: Links | None = None,
    update_segments: bool = True,
) -> list[Recorded]:
    """Append entries for one contact (a merged id records on its survivor), all or none."""
    family = store.family(uow, contact_id=contact_id, lock=True)
    config = store.load_config(uow)
    screened = [_screen(uow, family=family, entry=entry, config=config) for entry in entries]
    if not screened:
        return []
    sealed = ledger.chain(
        entries=screened,
        heads={family.contact_id: store.head_hash(uow, contact_id=family.contact_id)},
    )
    ids = store.append(uow, entries=sealed)
    state = refold(uow, family=family, config=config, now=now)
    if any(entry.source is not Source.SYSTEM for entry in sealed):
        store.mark_has_preferences(uow, contact_id=family.contact_id)
    results = [
        _announce(uow, entry_id=i, entry=e, state=state, now=now, links=links)
        for i, e in zip(ids, sealed, strict=True)
    ]
    if update_segments:
        touch = Touch(consent=True, cause="consent changed")
        update_memberships(uow, {family.contact_id: touch}, now=now)
    return results


def _screen(
    uow: UnitOfWork, *, family: store.Family, entry: LedgerEntry, config: PermissionConfig
) -> LedgerEntry:
    """The entry to append for the live contact, or InputError (nothing written)."""
    entry = dataclasses.replace(entry, contact_id=family.contact_id, prev_hash=None, hash=None)
    try:
        ledger.validate_entry(entry=entry, config=config)
    except LedgerError as error:
        raise InputError([field_error(error)]) from error
    if entry.action not in _GRANTING or entry.basis is None:
        return entry
    reason = suppressed_for(family=family, channel=entry.channel, uow=uow)
    screen = screen_grant(
        suppressed=reason is not None, basis=entry.basis, confirmed_by_double_opt_in=False
    )
    if screen is GrantScreen.REFUSE:
        message = (
            f"the address is on the suppression list ({reason}); only an express opt-in "
            "that the person confirms by double opt-in can be recorded"
        )
        raise InputError([FieldError("basis", message)], code="suppressed", status=409)
    if screen is GrantScreen.CONFIRM_FIRST:
        return dataclasses.replace(entry, action=Action.PENDING)
    return entry


def refold(
    uow: UnitOfWork, *, family: store.Family, config: PermissionConfig, now: int
) -> ContactConsent:
    """Fold every ledger of the family and store the result on the live contact."""
    entries = [entry for _, entry in store.load_entries(uow, contact_ids=family.ids)]
    state = fold(entries=entries, config=config)
    store.replace_state(uow, family=family, state=state, now=now)
    return state


def current_state(uow: UnitOfWork, *, contact_id: int) -> tuple[store.Family, ContactConsent]:
    """The family of a contact and its consent folded from every ledger (merged ones too)."""
    family = store.family(uow, contact_id=contact_id)
    entries = [entry for _, entry in store.load_entries(uow, contact_ids=family.ids)]
    return family, fold(entries=entries, config=store.load_config(uow))


def governing(state: ContactConsent, *, channel: str, topic: str) -> ConsentRow | None:
    if topic == ALL_TOPICS:
        return state.rows.get((channel, ALL_TOPICS))
    return state.row_for(channel=channel, topic=topic)


def _announce(
    uow: UnitOfWork,
    *,
    entry_id: int,
    entry: LedgerEntry,
    state: ContactConsent,
    now: int,
    links: Links | None,
) -> Recorded:
    row = governing(state, channel=entry.channel, topic=entry.topic)
    status = row.status_at(at=now) if row is not None else None
    requested = entry.action in _GRANTING and status is Status.PENDING
    payload: dict[str, object] = {
        "channel": entry.channel,
        "topic": entry.topic,
        "action": entry.action.value,
        "source": entry.source.value,
        "status": status.value if status is not None else None,
        "entry_id": entry_id,
        "hash": entry.hash,
    }
    confirm_url = None
    if requested and row is not None and row.expires_at is not None:
        payload["confirm_expires_at"] = row.expires_at
        if links is not None:
            confirm_url = links.confirm(
                contact_id=entry.contact_id,
                channel=entry.channel,
                topic=entry.topic,
                expires_at=row.expires_at,
            )
            payload["confirm_url"] = confirm_url
    topic = "consent.confirmation_requested" if requested else f"consent.{entry.action.value}"
    store.add_outbox(uow, topic=topic, contact_id=entry.contact_id, payload=payload, now=now)
    return Recorded(
        entry_id=entry_id, entry=entry, consent=row, status=status, confirm_url=confirm_url
    )


def confirm(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    now: int,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Recorded | None:
    """Confirm a pending double opt-in request; None when nothing is pending (no entry).

    A confirmed express opt-in on the email channel lifts the address's suppression.
    """
    family, state = current_state(uow, contact_id=contact_id)
    pending = [
        row
        for row in state.rows.values()
        if row.channel == channel
        and (topic == ALL_TOPICS or row.topic in (topic, ALL_TOPICS))
        and row.status_at(at=now) is Status.PENDING
    ]
    if not pending:
        return None
    entry = LedgerEntry(
        contact_id=family.contact_id,
        channel=channel,
        topic=topic,
        action=Action.CONFIRMED,
        source=Source.DOUBLE_OPT_IN,
        at=now,
        ip=ip,
        user_agent=user_agent,
    )
    recorded = record_consent(uow, entry=entry, now=now)
    row = recorded.consent
    granted = row is not None and recorded.status is Status.GRANTED
    reason = suppressed_for(family=family, channel=channel, uow=uow)
    if granted and reason is not None and row is not None and row.basis is Basis.EXPRESS:
        store.lift_suppression(uow, email=family.email)
        store.add_outbox(
            uow,
            topic="consent.suppression_lifted",
            contact_id=family.contact_id,
            payload={"reason": reason, "entry_id": recorded.entry_id},
            now=now,
        )
    return recorded


def refold_contacts(uow: UnitOfWork, *, contact_ids: Collection[int], now: int) -> None:
    """Re-fold and store the consent of these contacts' families (call after merges)."""
    config = store.load_config(uow)
    done: set[int] = set()
    for contact_id in sorted(contact_ids):
        family = store.family(uow, contact_id=contact_id, lock=True)
        if family.contact_id not in done:
            refold(uow, family=family, config=config, now=now)
            done.add(family.contact_id)
