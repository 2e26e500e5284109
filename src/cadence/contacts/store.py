"""Bulk reads and writes of contacts, identities and merges for the ingestion pipeline."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Final

import orjson
from sqlalchemy import delete, func, insert, select, tuple_, update

from cadence.contacts.models import ContactRecord, Merge
from cadence.db.bulk import chunks, insert_many, millis, update_many
from cadence.db.engine import UnitOfWork
from cadence.db.tables import (
    contact_accounts,
    contacts,
    events,
    identities,
    merges,
    outbox,
    schedule,
    segment_history,
    segment_members,
)

_C = contacts.c
_RECORD_COLUMNS = (
    _C.id,
    _C.user_id,
    _C.email,
    _C.traits,
    _C.trait_times,
    millis(_C.created_at),
    millis(_C.updated_at),
    millis(_C.first_seen_at),
    millis(_C.last_seen_at),
    _C.order_count,
    _C.revenue_total,
    millis(_C.first_order_at),
    millis(_C.last_order_at),
    millis(_C.last_response_at),
    _C.has_preferences,
    _C.profile_level,
)


def load_identities(uow: UnitOfWork, wanted: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    """Map (kind, value) to contact id for every identifier asked for that exists."""
    found: dict[tuple[str, str], int] = {}
    for kind, values in wanted.items():
        for part in chunks(values):
            rows = uow.conn.execute(
                select(identities.c.value, identities.c.contact_id).where(
                    identities.c.kind == kind, identities.c.value.in_(part)
                )
            )
            for value, contact_id in rows:
                found[(kind, value)] = contact_id
    return found


def load_contacts(uow: UnitOfWork, ids: Collection[int]) -> dict[int, ContactRecord]:
    records: dict[int, ContactRecord] = {}
    for part in chunks(ids):
        for row in uow.conn.execute(select(*_RECORD_COLUMNS).where(_C.id.in_(part))):
            records[row[0]] = ContactRecord(*row)
        linked = uow.conn.execute(
            select(contact_accounts.c.contact_id)
            .where(contact_accounts.c.contact_id.in_(part))
            .distinct()
        )
        for (contact_id,) in linked:
            records[contact_id].has_account = True
    return records


def _row(record: ContactRecord) -> dict[str, Any]:
    return {
        "user_id": record.user_id,
        "email": record.email,
        "traits": record.traits,
        "trait_times": record.trait_times,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "first_seen_at": record.first_seen_at,
        "last_seen_at": record.last_seen_at,
        "order_count": record.order_count,
        "revenue_total": record.revenue_total,
        "first_order_at": record.first_order_at,
        "last_order_at": record.last_order_at,
        "last_response_at": record.last_response_at,
        "has_preferences": record.has_preferences,
        "profile_level": record.profile_level,
    }


def allocate_ids(uow: UnitOfWork, count: int) -> list[int]:
    """Reserve ``count`` new contact ids in one round trip.

    SQLite: the write transaction holds the database lock, so max(id) + n is ours.
    PostgreSQL: draw from the column's sequence.
    """
    if count == 0:
        return []
    if uow.dialect == "sqlite":
        top = uow.conn.execute(select(func.max(_C.id))).scalar() or 0
        return list(range(top + 1, top + count + 1))
    rows = uow.conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, %s)",
        (count,),
    )
    return [int(r[0]) for r in rows]


# a new contact's lead fields: score, band, fit, grade, lifecycle stage (score_as_of: none)
NEW_LEAD: Final = (0.0, 5, 0.0, "E", "lead")


def insert_contacts(uow: UnitOfWork, records: list[ContactRecord]) -> list[int]:
    """Insert new contacts with freshly allocated ids and return the ids in order."""
    ids = allocate_ids(uow, len(records))
    dumps = orjson.dumps
    rows = [
        (
            new_id,
            r.user_id,
            r.email,
            dumps(r.traits).decode(),
            dumps(r.trait_times).decode(),
            r.created_at,
            r.updated_at,
            r.first_seen_at,
            r.last_seen_at,
            r.order_count,
            r.revenue_total,
            r.first_order_at,
            r.last_order_at,
            r.last_response_at,
            r.has_preferences,
            r.profile_level,
            *NEW_LEAD,
        )
        for new_id, r in zip(ids, records, strict=True)
    ]
    insert_many(uow.conn, "contacts", _INSERTED, rows)
    return ids


_INSERTED = (
    "id",
    "user_id",
    "email",
    "traits",
    "trait_times",
    "created_at",
    "updated_at",
    "first_seen_at",
    "last_seen_at",
    "order_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
    "last_response_at",
    "has_preferences",
    "profile_level",
    "score",
    "band",
    "fit",
    "grade",
    "lifecycle_stage",
)

_UPDATED = (
    "user_id",
    "email",
    "traits",
    "trait_times",
    "updated_at",
    "first_seen_at",
    "last_seen_at",
    "order_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
    "last_response_at",
    "has_preferences",
    "profile_level",
)


def update_contacts(uow: UnitOfWork, records: Iterable[ContactRecord]) -> None:
    """Write back changed contacts in one executemany (JSON serialised here, once)."""
    dumps = orjson.dumps
    rows = [
        (
            r.user_id,
            r.email,
            dumps(r.traits).decode(),
            dumps(r.trait_times).decode(),
            r.updated_at,
            r.first_seen_at,
            r.last_seen_at,
            r.order_count,
            r.revenue_total,
            r.first_order_at,
            r.last_order_at,
            r.last_response_at,
            r.has_preferences,
            r.profile_level,
            r.id,
        )
        for r in records
    ]
    update_many(uow.conn, "contacts", _UPDATED, "id", rows)


def insert_identities(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    if rows:
        uow.conn.execute(insert(identities), rows)


def apply_merges(uow: UnitOfWork, done: list[Merge]) -> None:
    """Move everything of merged contacts to their survivors and leave a redirect."""
    conn = uow.conn
    for merge in done:
        old, new = merge.from_id, merge.into_id
        conn.execute(update(events).where(events.c.contact_id == old).values(contact_id=new))
        conn.execute(
            update(identities).where(identities.c.contact_id == old).values(contact_id=new)
        )
        _move_accounts(uow, old, new)
        _move_memberships(uow, old, new)
        conn.execute(
            update(contacts)
            .where(_C.id == old)
            .values(merged_into=new, user_id=None, email=None, traits={}, trait_times={})
        )
        conn.execute(update(contacts).where(_C.merged_into == old).values(merged_into=new))
    if done:
        conn.execute(
            insert(merges),
            [
                {
                    "from_contact_id": m.from_id,
                    "into_contact_id": m.into_id,
                    "reason": m.reason,
                    "message_id": m.message_id,
                    "at": m.at,
                }
                for m in done
            ],
        )
        conn.execute(
            insert(outbox),
            [
                {
                    "topic": "contact.merged",
                    "contact_id": m.into_id,
                    "payload": {"from": m.from_id, "into": m.into_id, "reason": m.reason},
                    "created_at": m.at,
                }
                for m in done
            ],
        )


def _move_accounts(uow: UnitOfWork, old: int, new: int) -> None:
    ca = contact_accounts.c
    have = {a for (a,) in uow.conn.execute(select(ca.account_id).where(ca.contact_id == new))}
    has_primary = bool(
        uow.conn.execute(select(ca.account_id).where(ca.contact_id == new, ca.is_primary)).first()
    )
    moving = list(
        uow.conn.execute(
            select(ca.account_id, ca.is_primary, millis(ca.linked_at)).where(ca.contact_id == old)
        )
    )
    uow.conn.execute(delete(contact_accounts).where(ca.contact_id == old))
    rows = [
        {
            "contact_id": new,
            "account_id": account_id,
            "is_primary": primary and not has_primary,
            "linked_at": linked_at,
        }
        for account_id, primary, linked_at in moving
        if account_id not in have
    ]
    if rows:
        uow.conn.execute(insert(contact_accounts), rows)


def _move_memberships(uow: UnitOfWork, old: int, new: int) -> None:
    """Lists and history follow the survivor; its dynamic segments are re-evaluated after."""
    m = segment_members.c
    held = select(m.segment_id).where(m.contact_id == new)
    uow.conn.execute(
        update(segment_members)
        .where(m.contact_id == old, m.segment_id.not_in(held))
        .values(contact_id=new)
    )
    uow.conn.execute(delete(segment_members).where(m.contact_id == old))
    h = segment_history.c
    uow.conn.execute(update(segment_history).where(h.contact_id == old).values(contact_id=new))
    uow.conn.execute(delete(schedule).where(schedule.c.contact_id == old))


def existing_links(uow: UnitOfWork, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    ca = contact_accounts.c
    found: set[tuple[int, int]] = set()
    for part in chunks(pairs):
        rows = uow.conn.execute(
            select(ca.contact_id, ca.account_id).where(
                tuple_(ca.contact_id, ca.account_id).in_(part)
            )
        )
        found.update((c, a) for c, a in rows)
    return found


def contacts_with_primary(uow: UnitOfWork, ids: Collection[int]) -> set[int]:
    ca = contact_accounts.c
    found: set[int] = set()
    for part in chunks(ids):
        rows = uow.conn.execute(select(ca.contact_id).where(ca.contact_id.in_(part), ca.is_primary))
        found.update(c for (c,) in rows)
    return found
