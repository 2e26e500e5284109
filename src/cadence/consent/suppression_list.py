"""The suppression list as a use case: hashed emails with a reason, listed, added, removed."""

from __future__ import annotations

import re
from typing import Any, Final

from sqlalchemy import delete, insert, select

from cadence.consent.suppression import email_hash
from cadence.consent.views import iso
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import suppressions

REASONS: Final = ("hard_bounce", "complaint", "erased", "manual")
_HASH: Final = re.compile(r"[0-9a-f]{64}")
_S = suppressions.c


def key_of(value: str) -> str:
    """The stored key for an email address, or a hash given as 64 lowercase hex digits."""
    return value if _HASH.fullmatch(value) else email_hash(email=value)


def list_page(
    uow: UnitOfWork, *, limit: int, after: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page in hash order and the hash to continue after (None at the end)."""
    query = select(_S.email_hash, _S.reason, millis(_S.created_at)).order_by(_S.email_hash)
    if after is not None:
        query = query.where(_S.email_hash > after)
    rows = list(uow.conn.execute(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"email_hash": h, "reason": r, "created_at": iso(int(c))} for h, r, c in rows]
    return items, (rows[-1][0] if more and rows else None)


def find(uow: UnitOfWork, *, key: str) -> dict[str, Any] | None:
    row = uow.conn.execute(
        select(_S.email_hash, _S.reason, millis(_S.created_at)).where(_S.email_hash == key)
    ).first()
    if row is None:
        return None
    return {"email_hash": row[0], "reason": row[1], "created_at": iso(int(row[2]))}


def add(uow: UnitOfWork, *, email: str, reason: str, now: int) -> tuple[dict[str, Any], bool]:
    """Suppress an address; (the entry, whether it was added now)."""
    key = email_hash(email=email)
    found = find(uow, key=key)
    if found is not None:
        return found, False
    uow.conn.execute(insert(suppressions).values(email_hash=key, reason=reason, created_at=now))
    return {"email_hash": key, "reason": reason, "created_at": iso(now)}, True


def remove(uow: UnitOfWork, *, key: str) -> bool:
    """Lift a suppression by email or hash; whether there was one."""
    result = uow.conn.execute(delete(suppressions).where(_S.email_hash == key_of(key)))
    return bool(result.rowcount)
