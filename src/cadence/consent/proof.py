"""Tamper detection over the stored ledger and the proof-of-consent document per contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cadence.consent import ledger, store
from cadence.consent.state import fold
from cadence.consent.views import entry_json, iso, preferences_json, rows_json
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts


@dataclass(frozen=True, kw_only=True)
class ChainCheck:
    """The verdict on one contact's chain."""

    contact_id: int
    entries: int
    valid: bool
    head: str | None
    broken_at: int | None = None  # ledger row id of the first entry that breaks the chain
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "entries": self.entries,
            "valid": self.valid,
            "head": self.head,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def check_chain(uow: UnitOfWork, *, contact_id: int) -> ChainCheck:
    """Recompute every hash of one contact's chain and compare its end with the stored head."""
    rows = store.load_entries(uow, contact_ids=[contact_id])
    entries = [entry for _, entry in rows]
    stored = store.heads(uow, contact_ids=[contact_id]).get(contact_id)
    index = ledger.verify(entries=entries)
    if index is not None:
        return ChainCheck(
            contact_id=contact_id,
            entries=len(entries),
            valid=False,
            head=stored[0] if stored else None,
            broken_at=rows[index][0],
            problem="an entry was altered, inserted, reordered or removed at this point",
        )
    last = entries[-1].hash if entries else None
    if stored is None and not entries:
        return ChainCheck(contact_id=contact_id, entries=0, valid=True, head=None)
    if stored is None or stored != (last, len(entries)):
        return ChainCheck(
            contact_id=contact_id,
            entries=len(entries),
            valid=False,
            head=stored[0] if stored else None,
            problem="the chain does not end at the stored head: entries were removed or added",
        )
    return ChainCheck(contact_id=contact_id, entries=len(entries), valid=True, head=last)


def verify_contact(uow: UnitOfWork, *, contact_id: int) -> dict[str, Any]:
    """Verify the chains of a contact and of every contact merged into it."""
    family = store.family(uow, contact_id=contact_id)
    checks = [check_chain(uow, contact_id=member) for member in family.ids]
    return {
        "contact_id": family.contact_id,
        "valid": all(check.valid for check in checks),
        "chains": [check.as_dict() for check in checks],
    }


def proof_document(uow: UnitOfWork, *, contact_id: int, now: int) -> dict[str, Any]:
    """Everything that proves (or disproves) this contact's permission, as of ``now``."""
    family = store.family(uow, contact_id=contact_id)
    config = store.load_config(uow)
    rows = store.load_entries(uow, contact_ids=family.ids)
    state = fold(entries=[entry for _, entry in rows], config=config)
    person = uow.conn.execute(
        select(contacts.c.id, contacts.c.email, contacts.c.user_id).where(
            contacts.c.id == family.contact_id
        )
    ).one()
    return {
        "contact": {
            "id": person.id,
            "email": person.email,
            "user_id": person.user_id,
            "merged_contacts": list(family.merged),
        },
        "generated_at": iso(now),
        "consents": rows_json(state, now=now),
        "preferences": preferences_json(state, config=config, now=now),
        "verification": verify_contact(uow, contact_id=family.contact_id),
        "entries": [entry_json(entry_id, entry) for entry_id, entry in rows],
        "method": (
            "Each entry's hash is SHA-256 over its canonical JSON (fields, sorted keys) "
            "including the previous entry's hash; the newest hash is kept separately as the "
            "chain head. Recomputing the chain detects any edit, insertion or removal."
        ),
    }
