"""Read, export and erase contacts and accounts (the REST API's use cases)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, or_, select, update

from cadence.consent.views import contacts_consent
from cadence.contacts import profile
from cadence.contacts.models import ContactRecord
from cadence.db.engine import UnitOfWork
from cadence.db.tables import (
    accounts,
    consents,
    contact_accounts,
    contact_predictions,
    contacts,
    events,
    identities,
    merges,
    outbox,
    segment_history,
    segment_members,
    segments,
    suppressions,
)
from cadence.errors import NotFound

_C = contacts.c


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def resolve_id(uow: UnitOfWork, contact_id: int) -> int:
    """The live contact for an id, following merge redirects; NotFound when erased or unknown."""
    for _ in range(64):
        row = uow.conn.execute(select(_C.merged_into).where(_C.id == contact_id)).first()
        if row is None:
            raise NotFound("contact")
        if row[0] is None:
            return contact_id
        contact_id = row[0]
    raise NotFound("contact")


def lookup(uow: UnitOfWork, *, kind: str, value: str) -> int:
    if kind == "email":
        value = profile.normalise_email(value) or value
    row = uow.conn.execute(
        select(identities.c.contact_id).where(
            identities.c.kind == kind, identities.c.value == value
        )
    ).first()
    if row is None:
        raise NotFound("contact", kind)
    return resolve_id(uow, row[0])


def contacts_json(uow: UnitOfWork, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The contact JSON for each id, in order, with two queries per related table."""
    if not ids:
        return []
    rows = {r.id: r for r in uow.conn.execute(select(contacts).where(_C.id.in_(ids)))}
    anonymous: dict[int, list[str]] = defaultdict(list)
    for contact_id, value in uow.conn.execute(
        select(identities.c.contact_id, identities.c.value)
        .where(identities.c.contact_id.in_(ids), identities.c.kind == "anonymous_id")
        .order_by(identities.c.value)
    ):
        anonymous[contact_id].append(value)
    linked: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ca = contact_accounts.c
    for row in uow.conn.execute(
        select(ca.contact_id, ca.is_primary, accounts)
        .join(accounts, accounts.c.id == ca.account_id)
        .where(ca.contact_id.in_(ids))
        .order_by(ca.is_primary.desc(), accounts.c.id)
    ):
        linked[row.contact_id].append(
            {
                "id": row.id,
                "group_id": row.group_id,
                "name": row.name,
                "primary": row.is_primary,
                "traits": row.traits,
            }
        )
    keys: dict[int, list[str]] = defaultdict(list)
    for contact_id, key in uow.conn.execute(
        select(segment_members.c.contact_id, segments.c.key)
        .join(segments, segments.c.id == segment_members.c.segment_id)
        .where(segment_members.c.contact_id.in_(ids))
        .order_by(segments.c.key)
    ):
        keys[contact_id].append(key)
    from cadence.runtime import now_millis
    from cadence.scoring import settings as lead_settings
    from cadence.scoring.queries import lead_fields

    leads, now = lead_settings.load(uow), now_millis()
    permission = contacts_consent(uow, [i for i in ids if i in rows])
    return [
        {
            **_contact(rows[i], anonymous[i], linked[i]),
            **lead_fields(rows[i], leads, now),
            "segments": keys[i],
            **permission[i],
        }
        for i in ids
        if i in rows
    ]


def _contact(row: Any, anonymous: list[str], linked: list[dict[str, Any]]) -> dict[str, Any]:
    record = ContactRecord(
        id=row.id,
        user_id=row.user_id,
        email=row.email,
        traits=row.traits,
        trait_times=row.trait_times,
        created_at=0,
        updated_at=0,
        order_count=row.order_count,
        last_response_at=0 if row.last_response_at else None,
        has_preferences=row.has_preferences,
        has_account=bool(linked),
    )
    level, missing = profile.missing_fields(record)
    return {
        **row_fields(row),
        "anonymous_ids": anonymous,
        "accounts": linked,
        "profile_level": level,
        "profile_missing": missing,
    }


def row_fields(row: Any) -> dict[str, Any]:
    """The parts of the contact JSON that the ``contacts`` row alone holds (identity,
    traits, times, purchases): the whole of what many templates read."""
    return {
        "id": row.id,
        "user_id": row.user_id,
        "email": row.email,
        "traits": row.traits,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "first_seen_at": _iso(row.first_seen_at),
        "last_seen_at": _iso(row.last_seen_at),
        "purchases": {
            "count": row.order_count,
            "total": row.revenue_total,
            "first_at": _iso(row.first_order_at),
            "last_at": _iso(row.last_order_at),
        },
    }


def get_contact(uow: UnitOfWork, contact_id: int) -> dict[str, Any]:
    return contacts_json(uow, [resolve_id(uow, contact_id)])[0]


def list_contacts(
    uow: UnitOfWork,
    *,
    limit: int,
    after: int | None,
    email: str | None = None,
    q: str | None = None,
    account_id: int | None = None,
    min_level: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of live contacts in id order, and the id to continue after (None at the end)."""
    query: Select[Any] = (
        select(_C.id).where(_C.merged_into.is_(None)).order_by(_C.id).limit(limit + 1)
    )
    if after is not None:
        query = query.where(_C.id > after)
    if email:
        query = query.where(_C.email == (profile.normalise_email(email) or email))
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(_C.email.like(pattern), _C.user_id.like(pattern)))
    if account_id is not None:
        linked = select(contact_accounts.c.contact_id).where(
            contact_accounts.c.account_id == account_id
        )
        query = query.where(_C.id.in_(linked))
    if min_level is not None:
        query = query.where(_C.profile_level >= min_level)
    ids = [i for (i,) in uow.conn.execute(query)]
    more = len(ids) > limit
    ids = ids[:limit]
    return contacts_json(uow, ids), (ids[-1] if more else None)


def contact_events(
    uow: UnitOfWork, contact_id: int, *, limit: int, before: tuple[int, int] | None
) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
    """A contact's events, newest first; the cursor is (ts, id) of the last one returned."""
    e = events.c
    query = (
        select(e.id, e.message_id, e.type, e.name, e.ts, e.received_at, e.properties, e.context)
        .where(e.contact_id == contact_id)
        .order_by(e.ts.desc(), e.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        ts, event_id = before
        query = query.where(or_(e.ts < ts, (e.ts == ts) & (e.id < event_id)))
    rows = list(uow.conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": r.id,
            "message_id": r.message_id,
            "type": r.type,
            "name": r.name,
            "timestamp": _iso(r.ts),
            "received_at": _iso(r.received_at),
            "properties": r.properties,
            "context": r.context,
        }
        for r in rows
    ]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = (round(last.ts.timestamp() * 1000), last.id)
    return items, cursor


def export_contact(uow: UnitOfWork, contact_id: int) -> dict[str, Any]:
    """Everything held about a contact (GDPR access request)."""
    contact_id = resolve_id(uow, contact_id)
    everything, cursor = contact_events(uow, contact_id, limit=1_000_000, before=None)
    assert cursor is None
    conn = uow.conn
    return {
        "contact": get_contact(uow, contact_id),
        "identities": [
            {"kind": k, "value": v}
            for k, v in conn.execute(
                select(identities.c.kind, identities.c.value).where(
                    identities.c.contact_id == contact_id
                )
            )
        ],
        "events": everything,
        "merges": [
            {"from": f, "into": i, "reason": r, "at": _iso(a)}
            for f, i, r, a in conn.execute(
                select(
                    merges.c.from_contact_id, merges.c.into_contact_id, merges.c.reason, merges.c.at
                ).where(merges.c.into_contact_id == contact_id)
            )
        ],
        "consents": [
            dict(r._mapping)
            for r in conn.execute(select(consents).where(consents.c.contact_id == contact_id))
        ],
        "segment_history": [
            dict(r._mapping)
            for r in conn.execute(
                select(segment_history).where(segment_history.c.contact_id == contact_id)
            )
        ],
        "decisions": _decisions(uow, contact_id),
    }


def _decisions(uow: UnitOfWork, contact_id: int) -> list[dict[str, Any]]:
    """Decisions made for the contact and for the contacts merged into it."""
    from cadence.decisions.reports import contact_decisions

    merged = select(_C.id).where(_C.merged_into == contact_id)
    family = [contact_id, *uow.conn.execute(merged).scalars()]
    return contact_decisions(uow, contact_ids=family)


def email_hash(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def erase_contact(uow: UnitOfWork, contact_id: int, *, now: int) -> dict[str, Any]:
    """Delete all personal data of a contact; keep only hashed emails on the suppression list."""
    contact_id = resolve_id(uow, contact_id)
    conn = uow.conn
    merged = [i for (i,) in conn.execute(select(_C.id).where(_C.merged_into == contact_id))]
    everyone = [contact_id, *merged]
    emails = {
        v
        for (v,) in conn.execute(
            select(identities.c.value).where(
                identities.c.contact_id.in_(everyone), identities.c.kind == "email"
            )
        )
    }
    hashes = sorted(email_hash(e) for e in emails)
    known = {
        h
        for (h,) in conn.execute(
            select(suppressions.c.email_hash).where(suppressions.c.email_hash.in_(hashes))
        )
    }
    new = [
        {"email_hash": h, "reason": "erased", "created_at": now} for h in hashes if h not in known
    ]
    if new:
        conn.execute(insert(suppressions), new)
    from cadence.consent import store as consent_store

    consent_store.erase(uow, contact_ids=everyone)
    from cadence.decisions import store as decision_store

    decision_store.forget_contacts(uow, contact_ids=everyone)
    for table in (events, identities, contact_accounts, segment_members, consents):
        conn.execute(delete(table).where(table.c.contact_id.in_(everyone)))
    conn.execute(delete(contact_predictions).where(contact_predictions.c.contact_id.in_(everyone)))
    conn.execute(delete(segment_history).where(segment_history.c.contact_id.in_(everyone)))
    conn.execute(delete(outbox).where(outbox.c.contact_id.in_(everyone)))
    conn.execute(
        delete(merges).where(
            or_(merges.c.into_contact_id.in_(everyone), merges.c.from_contact_id.in_(everyone))
        )
    )
    conn.execute(update(contacts).where(_C.id.in_(merged)).values(merged_into=None))
    conn.execute(delete(contacts).where(_C.id.in_(everyone)))
    conn.execute(
        insert(outbox).values(
            topic="contact.erased",
            contact_id=None,
            payload={"contacts": len(everyone)},
            created_at=now,
        )
    )
    return {"erased": True, "contacts": len(everyone), "suppressed_emails": len(hashes)}


def is_suppressed(uow: UnitOfWork, emails: Sequence[str]) -> set[str]:
    """The addresses (of those given) whose hash is on the suppression list."""
    by_hash = {email_hash(e): e for e in emails}
    rows = uow.conn.execute(
        select(suppressions.c.email_hash).where(suppressions.c.email_hash.in_(list(by_hash)))
    )
    return {by_hash[h] for (h,) in rows}
