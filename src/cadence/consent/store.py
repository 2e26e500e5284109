"""Storage of permission: the ledger and its heads, the folded state, suppressions, config.

Every function takes the caller's unit of work and only adds and flushes; SQL is built
with SQLAlchemy Core (bound parameters only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import delete, func, insert, select, update

from cadence.consent.config import PermissionConfig, parse_config
from cadence.consent.ledger import GENESIS, LedgerEntry, from_record, to_record
from cadence.consent.state import ContactConsent, row_to_record
from cadence.consent.suppression import email_hash
from cadence.contacts import profile
from cadence.contacts import store as contact_store
from cadence.db.bulk import chunks, millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import (
    consent_heads,
    consent_ledger,
    consents,
    contacts,
    form_views,
    gate_decisions,
    meta,
    outbox,
    preference_choices,
    sends,
    suppressions,
)
from cadence.errors import NotFound

CONFIG_KEY: Final = "permission.config"
_L = consent_ledger.c


@dataclass(frozen=True, kw_only=True)
class Family:
    """A live contact and every contact merged into it (whose ledgers still count)."""

    contact_id: int
    email: str | None
    merged: tuple[int, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.contact_id, *self.merged)


def load_config(uow: UnitOfWork) -> PermissionConfig:
    """The applied workspace permission settings, or the defaults when none was applied."""
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CONFIG_KEY)).first()
    if row is None:
        return PermissionConfig()
    return parse_config(workspace=orjson.loads(row[0]))


def stored_config_document(uow: UnitOfWork) -> dict[str, Any] | None:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CONFIG_KEY)).first()
    return None if row is None else dict(orjson.loads(row[0]))


def save_config(uow: UnitOfWork, *, document: Mapping[str, Any]) -> None:
    """Keep the permission sections as applied (validated by the caller with parse_config)."""
    text = orjson.dumps(dict(document), option=orjson.OPT_SORT_KEYS).decode()
    if uow.conn.execute(select(meta.c.key).where(meta.c.key == CONFIG_KEY)).first():
        uow.conn.execute(update(meta).where(meta.c.key == CONFIG_KEY).values(value=text))
    else:
        uow.conn.execute(insert(meta).values(key=CONFIG_KEY, value=text))


def family(uow: UnitOfWork, *, contact_id: int, lock: bool = False) -> Family:
    """The live contact for ``contact_id`` (following merges) and the contacts merged into it.

    ``lock`` takes the live contact's row lock, which serialises consent writes per contact
    (SQLite writers already hold the database lock).
    """
    live = contact_id
    for _ in range(64):
        row = uow.conn.execute(select(contacts.c.merged_into).where(contacts.c.id == live)).first()
        if row is None:
            raise NotFound("contact")
        if row[0] is None:
            break
        live = row[0]
    else:
        raise NotFound("contact")
    query = select(contacts.c.email).where(contacts.c.id == live)
    if lock:
        query = query.with_for_update()
    email = uow.conn.execute(query).scalar_one()
    merged: list[int] = []
    frontier = [live]
    while frontier:
        found = list(
            uow.conn.scalars(select(contacts.c.id).where(contacts.c.merged_into.in_(frontier)))
        )
        found = [i for i in found if i not in merged and i != live]
        merged += found
        frontier = found
    return Family(contact_id=live, email=email, merged=tuple(sorted(merged)))


def load_entries(uow: UnitOfWork, *, contact_ids: Collection[int]) -> list[tuple[int, LedgerEntry]]:
    """(row id, entry) of every ledger entry of these contacts, in the order appended."""
    columns = [c for c in consent_ledger.c if c.name != "id"]
    found: list[tuple[int, LedgerEntry]] = []
    for part in chunks(sorted(contact_ids)):
        rows = uow.conn.execute(
            select(_L.id, *columns).where(_L.contact_id.in_(part)).order_by(_L.id)
        )
        found += [(row.id, from_record(record=dict(row._mapping))) for row in rows]
    found.sort(key=lambda item: item[0])
    return found


def heads(uow: UnitOfWork, *, contact_ids: Collection[int]) -> dict[int, tuple[str, int]]:
    """The stored chain head (hash, number of entries) of each contact that has one."""
    h = consent_heads.c
    rows = uow.conn.execute(
        select(h.contact_id, h.hash, h.entries).where(h.contact_id.in_(sorted(contact_ids)))
    )
    return {row.contact_id: (row.hash, row.entries) for row in rows}


def append(uow: UnitOfWork, *, entries: Sequence[LedgerEntry]) -> list[int]:
    """Insert sealed entries of one contact and move its head; the row ids, in order."""
    if not entries:
        return []
    contact_id = entries[0].contact_id
    current = heads(uow, contact_ids=[contact_id]).get(contact_id)
    ids: list[int] = []
    for entry in entries:
        if not entry.sealed or entry.contact_id != contact_id:
            raise ValueError("append takes sealed entries of one contact")
        record = to_record(entry=entry)
        ids.append(
            uow.conn.execute(insert(consent_ledger).values(**record).returning(_L.id)).scalar_one()
        )
    last = str(entries[-1].hash)
    h = consent_heads.c
    if current is None:
        uow.conn.execute(
            insert(consent_heads).values(contact_id=contact_id, hash=last, entries=len(entries))
        )
    else:
        uow.conn.execute(
            update(consent_heads)
            .where(h.contact_id == contact_id)
            .values(hash=last, entries=current[1] + len(entries))
        )
    return ids


def head_hash(uow: UnitOfWork, *, contact_id: int) -> str:
    found = heads(uow, contact_ids=[contact_id]).get(contact_id)
    return GENESIS if found is None else found[0]


def replace_state(uow: UnitOfWork, *, family: Family, state: ContactConsent, now: int) -> None:
    """Store the folded state of a family on its live contact, statuses as in force at ``now``.

    Rows of merged contacts are removed: their consent now lives on the survivor.
    """
    uow.conn.execute(delete(consents).where(consents.c.contact_id.in_(family.ids)))
    rows = []
    for row in state.rows.values():
        record = row_to_record(contact_id=family.contact_id, row=row)
        record["status"] = row.status_at(at=now).value
        rows.append(record)
    if rows:
        uow.conn.execute(insert(consents), rows)


def stored_state_records(
    uow: UnitOfWork, *, contact_ids: Collection[int]
) -> dict[int, list[dict[str, Any]]]:
    """The stored ``consents`` rows per contact, times as epoch ms."""
    c = consents.c
    found: dict[int, list[dict[str, Any]]] = {}
    for part in chunks(sorted(contact_ids)):
        rows = uow.conn.execute(
            select(
                c.contact_id,
                c.channel,
                c.topic,
                c.status,
                c.basis,
                c.frequency,
                millis(c.paused_until).label("paused_until"),
                millis(c.expires_at).label("expires_at"),
                millis(c.updated_at).label("updated_at"),
            )
            .where(c.contact_id.in_(part))
            .order_by(c.contact_id, c.channel, c.topic)
        )
        for row in rows:
            found.setdefault(row.contact_id, []).append(dict(row._mapping))
    return found


def due_contacts(uow: UnitOfWork, *, now: int, limit: int) -> list[int]:
    """Contacts with a granted or pending consent whose validity or request has lapsed."""
    c = consents.c
    query = (
        select(c.contact_id)
        .where(c.status.in_(("granted", "pending")), millis(c.expires_at) <= now)
        .group_by(c.contact_id)
        .order_by(c.contact_id)
        .limit(limit)
    )
    return list(uow.conn.scalars(query))


def next_lapse_at(uow: UnitOfWork) -> int | None:
    """When the next granted or pending consent lapses (for the scheduler's wake-up)."""
    c = consents.c
    value = uow.conn.execute(
        select(func.min(millis(c.expires_at))).where(c.status.in_(("granted", "pending")))
    ).scalar()
    return None if value is None else int(value)


def mark_has_preferences(uow: UnitOfWork, *, contact_id: int) -> None:
    """The contact stated preferences: profile level 2 becomes reachable."""
    record = contact_store.load_contacts(uow, [contact_id]).get(contact_id)
    if record is None or record.has_preferences:
        return
    record.has_preferences = True
    level = profile.missing_fields(record)[0]
    uow.conn.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(has_preferences=True, profile_level=level)
    )


def add_outbox(
    uow: UnitOfWork, *, topic: str, contact_id: int | None, payload: dict[str, Any], now: int
) -> None:
    uow.conn.execute(
        insert(outbox).values(topic=topic, contact_id=contact_id, payload=payload, created_at=now)
    )


def suppression(uow: UnitOfWork, *, email: str | None) -> str | None:
    """The reason ``email`` is suppressed, or None (also for no address)."""
    if not email:
        return None
    row = uow.conn.execute(
        select(suppressions.c.reason).where(suppressions.c.email_hash == email_hash(email=email))
    ).first()
    return None if row is None else str(row[0])


def erase(uow: UnitOfWork, *, contact_ids: Collection[int]) -> None:
    """GDPR erasure: delete the contacts' chains, state, gate log, sends and choices (the only
    deletion of ledger entries); form displays keep their counts without the contact."""
    ids = sorted(contact_ids)
    for table in (
        consent_ledger,
        consent_heads,
        consents,
        gate_decisions,
        sends,
        preference_choices,
    ):
        uow.conn.execute(delete(table).where(table.c.contact_id.in_(ids)))
    uow.conn.execute(
        update(form_views).where(form_views.c.contact_id.in_(ids)).values(contact_id=None)
    )


def lift_suppression(uow: UnitOfWork, *, email: str | None) -> None:
    if email:
        uow.conn.execute(
            delete(suppressions).where(suppressions.c.email_hash == email_hash(email=email))
        )
