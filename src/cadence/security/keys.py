"""API keys: random tokens shown once, stored as SHA-256 hashes with a scope."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import api_keys

SCOPES = ("admin", "write")


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    scope: str
    prefix: str


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
    key_id = uow.conn.execute(insert(api_keys).returning(api_keys.c.id), row).scalar_one()
    return ApiKey(id=key_id, name=name, scope=scope, prefix=prefix), token


def ensure_key(uow: UnitOfWork, *, token: str, scope: str, name: str, now: int) -> bool:
    """Create the key for ``token`` unless it exists; True when created."""
    exists = uow.conn.execute(
        select(api_keys.c.id).where(api_keys.c.key_hash == hash_key(token))
    ).first()
    if exists:
        return False
    create_key(uow, scope=scope, name=name, now=now, token=token)
    return True


def authenticate(uow: UnitOfWork, token: str) -> ApiKey | None:
    row = uow.conn.execute(
        select(api_keys.c.id, api_keys.c.name, api_keys.c.scope, api_keys.c.prefix).where(
            api_keys.c.key_hash == hash_key(token), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    return None if row is None else ApiKey(id=row[0], name=row[1], scope=row[2], prefix=row[3])


def list_keys(uow: UnitOfWork) -> list[ApiKey]:
    rows = uow.conn.execute(
        select(api_keys.c.id, api_keys.c.name, api_keys.c.scope, api_keys.c.prefix)
        .where(api_keys.c.revoked_at.is_(None))
        .order_by(api_keys.c.id)
    )
    return [ApiKey(id=r[0], name=r[1], scope=r[2], prefix=r[3]) for r in rows]
