"""The ingestion service: one call per batch, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select

from cadence.contacts import accounts as account_store
from cadence.contacts import profile
from cadence.contacts import store as contact_store
from cadence.contacts.models import ContactRecord
from cadence.db.bulk import chunks, insert_many
from cadence.db.engine import UnitOfWork
from cadence.db.tables import events as events_table
from cadence.events.batch import BatchState, ContactChange
from cadence.events.spec import Event

_EVENT_COLUMNS = (
    "message_id",
    "contact_id",
    "type",
    "name",
    "ts",
    "received_at",
    "properties",
    "context",
)


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    created: int = 0
    merged: int = 0
    changes: dict[int, ContactChange] = field(default_factory=dict)
    changed_accounts: set[int] = field(default_factory=set)


def _email_of(event: Event) -> str | None:
    if event.type == "identify" and "email" in event.traits:
        return profile.normalise_email(event.traits["email"])
    traits = event.context.get("traits")
    if isinstance(traits, dict):
        return profile.normalise_email(traits.get("email"))
    return None


def _fresh(uow: UnitOfWork, events: Sequence[Event]) -> tuple[list[Event], int]:
    """Drop events whose messageId was seen before, in the database or earlier in the batch."""
    seen: set[str] = set()
    ids = {e.message_id for e in events}
    for part in chunks(ids):
        rows = uow.conn.execute(
            select(events_table.c.message_id).where(events_table.c.message_id.in_(part))
        )
        seen.update(m for (m,) in rows)
    fresh = []
    for event in events:
        if event.message_id not in seen:
            seen.add(event.message_id)
            fresh.append(event)
    return fresh, len(events) - len(fresh)


def _load(uow: UnitOfWork, events: list[Event], now: int) -> BatchState:
    wanted: dict[str, set[str]] = {"user_id": set(), "anonymous_id": set(), "email": set()}
    group_ids: set[str] = set()
    for event in events:
        if event.user_id is not None:
            wanted["user_id"].add(event.user_id)
        if event.anonymous_id is not None:
            wanted["anonymous_id"].add(event.anonymous_id)
        if event.previous_id is not None:
            wanted["user_id"].add(event.previous_id)
            wanted["anonymous_id"].add(event.previous_id)
        email = _email_of(event)
        if email is not None:
            wanted["email"].add(email)
        group_id = _group_of(event)
        if group_id is not None:
            group_ids.add(group_id)
    book = contact_store.load_identities(uow, wanted)
    known = {e.contact_id for e in events if e.contact_id is not None}
    contacts = contact_store.load_contacts(uow, set(book.values()) | known)
    accounts = account_store.load_accounts(uow, group_ids)
    return BatchState(now=now, book=book, contacts=contacts, accounts=accounts)


def _group_of(event: Event) -> str | None:
    if event.type == "group":
        return event.group_id
    company = event.traits.get("company") if event.type == "identify" else None
    if isinstance(company, dict) and company.get("id") not in (None, ""):
        return str(company["id"])
    return None


def _apply(state: BatchState, event: Event) -> None:
    record = state.resolve(event, _email_of(event))
    if event.type == "alias" and event.previous_id is not None:
        record = _alias(state, record, event)
    profile.observe(record, event.ts)
    if event.type == "identify":
        traits = event.traits
        group_id = _group_of(event)
        if group_id is not None:
            company: dict[str, Any] = dict(traits["company"])
            company.pop("id", None)
            state.link_account(record, group_id, company, event.ts)
        state.set_traits(record, traits, event.ts)
    elif event.type == "group" and event.group_id is not None:
        state.link_account(record, event.group_id, event.traits, event.ts)
    elif event.name == profile.ORDER_EVENT:
        profile.record_order(record, event.properties, event.ts)
    elif event.name in profile.RESPONSE_EVENTS:
        profile.record_response(record, event.ts)
    state.place(event, record)


def _alias(state: BatchState, record: ContactRecord, event: Event) -> ContactRecord:
    """Join previousId's contact to userId's: an explicit merge, even of two user ids."""
    previous = event.previous_id
    assert previous is not None
    for kind in ("user_id", "anonymous_id"):
        found = state.book.get((kind, previous))
        if found is not None:
            record = state.merge(record.id, found, reason="alias", event=event)
            if record.user_id != event.user_id:
                record.user_id = event.user_id  # the newest id is the primary one
                record.dirty = True
            return record
    state.book[("anonymous_id", previous)] = record.id
    state.new_identities[("anonymous_id", previous)] = record.id
    return record


def _stored_properties(event: Event) -> dict[str, Any]:
    if event.type in ("identify", "group"):
        props: dict[str, Any] = {"traits": event.traits}
        if event.group_id is not None:
            props["group_id"] = event.group_id
        return props
    if event.type == "alias":
        return {"previous_id": event.previous_id}
    return event.properties


def _flush(uow: UnitOfWork, state: BatchState) -> None:
    records = list(state.live_records())
    for record in records:
        if record.dirty:
            record.profile_level = profile.missing_fields(record)[0]
            record.updated_at = state.now
    new = [r for r in records if r.is_new]
    for record, real_id in zip(new, contact_store.insert_contacts(uow, new), strict=True):
        state.redirect[record.id] = real_id
        record.id, record.is_new = real_id, False
    contact_store.apply_merges(uow, state.merges)
    account_store.save_accounts(uow, state.accounts.values())
    _write_links(uow, state)
    contact_store.insert_identities(
        uow,
        [
            {"kind": kind, "value": value, "contact_id": state.find(cid), "created_at": state.now}
            for (kind, value), cid in state.new_identities.items()
        ],
    )
    dumps = orjson.dumps
    rows = [
        (
            e.message_id,
            state.find(cid),
            e.type,
            e.name,
            e.ts,
            e.received_at,
            dumps(_stored_properties(e)).decode(),
            dumps(e.context).decode() if e.context else None,
        )
        for e, cid in state.placed
    ]
    insert_many(uow.conn, "events", _EVENT_COLUMNS, rows)
    created = {r.id for r in new}
    contact_store.update_contacts(uow, [r for r in records if r.dirty and r.id not in created])


def _write_links(uow: UnitOfWork, state: BatchState) -> None:
    pairs: dict[tuple[int, int], int] = {}
    for (cid, group_id), ts in state.links.items():
        key = (state.find(cid), state.accounts[group_id].id)
        pairs[key] = min(ts, pairs.get(key, ts))
    if not pairs:
        return
    existing = contact_store.existing_links(uow, set(pairs))
    with_primary = contact_store.contacts_with_primary(uow, {c for c, _ in pairs})
    rows = []
    for (contact_id, account_id), ts in sorted(pairs.items(), key=lambda item: item[1]):
        if (contact_id, account_id) in existing:
            continue
        primary = contact_id not in with_primary
        with_primary.add(contact_id)
        rows.append(
            {
                "contact_id": contact_id,
                "account_id": account_id,
                "is_primary": primary,
                "linked_at": ts,
            }
        )
    account_store.insert_links(uow, rows)


# The contacts columns conditions read that ingestion maintains (see conditions.fields).
_TRACKED = (
    "email",
    "first_seen_at",
    "last_seen_at",
    "profile_level",
    "order_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
)


def _tracked(record: ContactRecord) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in _TRACKED)


def _note_columns(state: BatchState, before: dict[int, tuple[Any, ...]]) -> None:
    """Tell later stages which tracked columns moved for contacts that already existed."""
    for cid, change in state.changes.items():
        record = state.contacts.get(cid)
        if change.created or change.merged or record is None or cid not in before:
            continue
        after = _tracked(record)
        change.columns = frozenset(
            name for name, old, new in zip(_TRACKED, before[cid], after, strict=True) if old != new
        )


def ingest(uow: UnitOfWork, events: Sequence[Event], *, now: int) -> IngestResult:
    """Apply a batch of validated events: dedup, resolve, append, update profiles."""
    fresh, duplicates = _fresh(uow, events)
    result = IngestResult(accepted=len(events), duplicates=duplicates)
    if not fresh:
        return result
    state = _load(uow, fresh, now)
    before = {cid: _tracked(record) for cid, record in state.contacts.items()}
    for event in fresh:
        _apply(state, event)
    created_before = [r for r in state.live_records() if r.is_new]
    _flush(uow, state)
    _note_columns(state, before)
    result.created = len(created_before)
    result.merged = len(state.merges)
    result.changes = {state.find(cid): change for cid, change in state.changes.items()}
    result.changed_accounts = state.changed_accounts
    return result
