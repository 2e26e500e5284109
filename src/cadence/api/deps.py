"""Request dependencies: the unit of work and API-key authentication."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from cadence.config import Settings
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.security.keys import ApiKey, authenticate


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def uow(request: Request) -> Iterator[UnitOfWork]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with unit_of_work(request.app.state.engine) as work:
        yield work


def _lookup(request: Request, token: str) -> ApiKey | None:
    # No per-process cache: a key revoked by any process (CLI, console, another server on
    # the same database) must be refused on its very next use; the read is one indexed row.
    with unit_of_work(request.app.state.engine, write=False) as work:
        return authenticate(work, token)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


def admin_key(request: Request) -> ApiKey:
    token = bearer_token(request)
    key = _lookup(request, token) if token else None
    if key is None:
        raise HTTPException(
            401,
            "send an admin API key as 'Authorization: Bearer <key>'",
            {"WWW-Authenticate": "Bearer"},
        )
    if key.scope != "admin":
        raise HTTPException(403, "this key's scope does not allow the REST API (admin needed)")
    return key


def write_key(request: Request, token: str | None) -> ApiKey:
    key = _lookup(request, token) if token else None
    if key is None:
        raise HTTPException(
            401,
            "send a write key as the HTTP Basic user name or as writeKey in the body",
            {"WWW-Authenticate": 'Basic realm="cadence"'},
        )
    return key


Admin = Annotated[ApiKey, Depends(admin_key)]
Work = Annotated[UnitOfWork, Depends(uow)]
