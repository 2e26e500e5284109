"""API keys: random tokens shown once, stored as SHA-256 hashes with a scope; revocable.

Authentication reads the key's row on every request (no per-process cache), so a key
revoked by any process (CLI, console, another server) is refused on its next use.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import api_keys
from cadence.errors import FieldError, InputError

SCOPES = ("admin", "write")
_K = api_keys.c
_COLUMNS = (_K.id, _K.name, _K.scope, _K.prefix, millis(_K.created_at), millis(_K.revoked_at))


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    scope: str
    prefix: str
    created_at: int = 0
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.active,
        }


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row[0],
        name=row[1],
        scope=row[2],
        prefix=row[3],
        created_at=int(row[4]),
        revoked_at=None if row[5] is None else int(row[5]),
    )


def hash_key(token: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(scope: str) -> str:
    return f"cad_{scope[0]}_{secrets.token_urlsafe(32)}"


def create_key(
    uow: UnitOfWork, *, scope: str, name: str, now: int, token: str | None = None
) -> tuple[ApiKey, str]:
    """Store a new key (or the given token) and return it with the token to show once."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
    token = token or new_token(scope)
    prefix = token[:10]
    row = {
        "name": name,
        "prefix": prefix,
        "key_hash": hash_key(token),
        "scope": scope,
        "created_at": now,
    }
    key_id = uow.conn.execute(insert(api_keys).returning(_K.id), row).scalar_one()
    return ApiKey(id=key_id, name=name, scope=scope, prefix=prefix, created_at=now), token


def ensure_key(uow: UnitOfWork, *, token: str, scope: str, name: str, now: int) -> bool:
    """Create the key for ``token`` unless it exists; True when created.

    A revoked key exists too: a bootstrap key revoked once stays revoked across restarts.
    """
    exists = uow.conn.execute(select(_K.id).where(_K.key_hash == hash_key(token))).first()
    if exists:
        return False
    create_key(uow, scope=scope, name=name, now=now, token=token)
    return True


def authenticate(uow: UnitOfWork, token: str) -> ApiKey | None:
    """The active key behind ``token``, or None (unknown or revoked)."""
    row = uow.conn.execute(
        select(*_COLUMNS).where(_K.key_hash == hash_key(token), _K.revoked_at.is_(None))
    ).first()
    return None if row is None else _key(row)


def list_keys(uow: UnitOfWork, *, include_revoked: bool = True) -> list[ApiKey]:
    query = select(*_COLUMNS).order_by(_K.id)
    if not include_revoked:
        query = query.where(_K.revoked_at.is_(None))
    return [_key(r) for r in uow.conn.execute(query)]


def find_key(uow: UnitOfWork, *, key_id: int) -> ApiKey | None:
    row = uow.conn.execute(select(*_COLUMNS).where(_K.id == key_id)).first()
    return None if row is None else _key(row)


def _other_active_admins(uow: UnitOfWork, *, key_id: int) -> int:
    # Every active admin key locked, in id order (PostgreSQL; SQLite writers are serialised by
    # BEGIN IMMEDIATE): two requests revoking the last two admin keys at once queue, and the
    # second sees the first one's revocation.
    admins = (
        select(_K.id)
        .where(_K.scope == "admin", _K.revoked_at.is_(None))
        .order_by(_K.id)
        .with_for_update()
    )
    return sum(1 for found in uow.conn.scalars(admins) if found != key_id)


def revoke_key(uow: UnitOfWork, *, key_id: int, now: int, keep_an_admin: bool) -> ApiKey:
    """Revoke a key (again: unchanged); 404 InputError when unknown.

    With ``keep_an_admin`` (the REST API, which needs an admin key to be reached at all)
    the last active admin key is refused with a 409; the CLI and the console may revoke it,
    since they do not depend on it and can create a new one.
    """
    found = find_key(uow, key_id=key_id)
    if found is None:
        raise InputError(
            [FieldError("id", f"no API key with id {key_id}")], code="not_found", status=404
        )
    if not found.active:
        return found
    if keep_an_admin and found.scope == "admin" and not _other_active_admins(uow, key_id=key_id):
        problem = (
            f"key {key_id} is the last active admin key; create another admin key first "
            "(or revoke it with `cadence keys revoke`)"
        )
        raise InputError([FieldError("id", problem)], code="last_admin_key", status=409)
    uow.conn.execute(
        update(api_keys).where(_K.id == key_id, _K.revoked_at.is_(None)).values(revoked_at=now)
    )
    revoked = find_key(uow, key_id=key_id)
    assert revoked is not None
    return revoked
