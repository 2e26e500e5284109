"""Sales owners of leads: assignment by API or by the workspace's rules, kept and published.

Every change of owner is kept in ``owner_history`` and published to the outbox as
``contact.owner_changed`` in the caller's transaction, so the CRM webhook hands it on;
segments on the ``owner`` field follow at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from cadence.db.bulk import insert_many
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, owner_history
from cadence.errors import FieldError, InputError
from cadence.scoring import lifecycle

TOPIC = "contact.owner_changed"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$")


@dataclass(frozen=True)
class OwnerChange:
    contact_id: int
    from_owner: str | None
    to_owner: str | None
    at: int
    reason: str
    actor: str


def normalise_owner(value: str | None, *, field: str = "owner") -> str | None:
    """An owner is an email address (lower-cased) or a CRM user id; None unassigns."""
    if value is None:
        return None
    text = value.strip()
    if "@" in text:
        if len(text) > 255 or not _EMAIL.match(text):
            raise InputError([FieldError(field, "not an email address")])
        return text.lower()
    if not _ID.match(text):
        raise InputError(
            [FieldError(field, "an email address or an id of letters, digits and . _ : -")]
        )
    return text


def record(uow: UnitOfWork, changes: Sequence[OwnerChange]) -> None:
    """Set the owners, keep the changes and publish them (in the caller's transaction)."""
    if not changes:
        return
    for change in changes:
        uow.conn.execute(
            update(contacts).where(contacts.c.id == change.contact_id).values(owner=change.to_owner)
        )
    insert_many(
        uow.conn,
        "owner_history",
        ("contact_id", "from_owner", "to_owner", "at", "reason", "actor"),
        [(c.contact_id, c.from_owner, c.to_owner, c.at, c.reason, c.actor) for c in changes],
    )
    lifecycle.publish(
        uow,
        [
            (
                TOPIC,
                c.contact_id,
                {"from": c.from_owner, "to": c.to_owner, "reason": c.reason, "by": c.actor},
                c.at,
            )
            for c in changes
        ],
    )


def history(uow: UnitOfWork, contact_id: int) -> list[dict[str, Any]]:
    """Every change of the contact's owner, oldest first."""
    h = owner_history.c
    rows = uow.conn.execute(
        select(h.from_owner, h.to_owner, h.at, h.reason, h.actor)
        .where(h.contact_id == contact_id)
        .order_by(h.at, h.id)
    )
    return [lifecycle.change_json(r, old="from_owner", new="to_owner") for r in rows]


def assign(
    uow: UnitOfWork, *, contact_id: int, owner: str | None, actor: str, reason: str, now: int
) -> OwnerChange | None:
    """Give a live contact its owner; None when it already had that one (nothing written)."""
    current = uow.conn.execute(
        select(contacts.c.owner).where(contacts.c.id == contact_id)
    ).scalar_one()
    wanted = normalise_owner(owner)
    if wanted == current:
        return None
    change = OwnerChange(contact_id, current, wanted, now, reason or "assigned", actor)
    record(uow, [change])
    return change
