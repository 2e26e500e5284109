"""REST: the suppression list (emails are stored only as SHA-256 hashes)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.consent import suppression_list
from cadence.contacts.profile import normalise_email
from cadence.errors import FieldError, InputError, NotFound
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/suppressions", tags=["suppressions"])


class SuppressionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    reason: Literal["hard_bounce", "complaint", "erased", "manual"] = "manual"


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)


def _email(value: str) -> str:
    email = normalise_email(value)
    if email is None:
        raise InputError([FieldError("email", "not an email address")])
    return email


@router.get("", summary="List suppressed addresses (hashes), in hash order")
def list_suppressions(
    uow: Work,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
) -> dict[str, Any]:
    items, last = suppression_list.list_page(uow, limit=limit, after=cursor)
    return {"items": items, "next_cursor": last}


@router.post("", status_code=201, summary="Suppress an address (stored hashed)")
def add_suppression(body: SuppressionIn, uow: Work, _: Admin, response: Response) -> dict[str, Any]:
    entry, added = suppression_list.add(
        uow, email=_email(body.email), reason=body.reason, now=now_millis()
    )
    if not added:
        response.status_code = 200
    return {**entry, "added": added}


@router.post("/lookup", summary="Is this address suppressed? (POST keeps it out of URLs)")
def lookup(body: LookupIn, uow: Work, _: Admin) -> dict[str, Any]:
    found = suppression_list.find(uow, key=suppression_list.key_of(_email(body.email)))
    return {"suppressed": found is not None, **(found or {})}


@router.delete("/{key}", summary="Lift a suppression, by email or by its hash")
def remove_suppression(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    value = key if len(key) == 64 else _email(key)
    if not suppression_list.remove(uow, key=value):
        raise NotFound("suppression", "email")
    return {"removed": True}
