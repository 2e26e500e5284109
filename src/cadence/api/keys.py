"""REST: API keys (admin scope): list, create (the token is shown once), revoke."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.consent.views import iso
from cadence.runtime import now_millis
from cadence.security import keys
from cadence.security.keys import ApiKey

router = APIRouter(prefix="/api/keys", tags=["keys"])


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255, pattern=r"\S")
    scope: Literal["admin", "write"]


def _json(key: ApiKey) -> dict[str, Any]:
    """A key as the API shows it: times in ISO 8601 like every other route."""
    shown = key.as_dict()
    return {**shown, "created_at": iso(key.created_at), "revoked_at": iso(key.revoked_at)}


@router.get("", summary="Every key (active and revoked); tokens are never stored")
def list_keys(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": [_json(key) for key in keys.list_keys(uow)]}


@router.post("", status_code=201, summary="Create a key; the response holds its only copy")
def create_key(body: KeyIn, uow: Work, _: Admin) -> dict[str, Any]:
    key, token = keys.create_key(uow, scope=body.scope, name=body.name.strip(), now=now_millis())
    return {**_json(key), "token": token}


@router.delete(
    "/{key_id}",
    summary="Revoke a key at once (again: unchanged); the last active admin key is refused",
)
def revoke_key(key_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    key = keys.revoke_key(uow, key_id=key_id, now=now_millis(), keep_an_admin=True)
    return _json(key)
