"""REST: contacts (read, look up, update traits, events, GDPR export and erasure)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cadence.api import cursors
from cadence.api.deps import Admin, Work
from cadence.contacts import service
from cadence.contacts.profile import normalise_email
from cadence.db.engine import unit_of_work
from cadence.errors import FieldError, InputError
from cadence.events.spec import Event
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/contacts", tags=["contacts"])
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]


class TraitsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    traits: dict[str, Any] = Field(description="traits to set; null removes nothing, it sets null")


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = None
    user_id: str | None = Field(default=None, min_length=1, max_length=255)
    traits: dict[str, Any] = Field(default_factory=dict)


@router.get("", summary="List contacts (cursor pagination)")
def list_contacts(
    uow: Work,
    _: Admin,
    limit: Limit = 50,
    cursor: str | None = None,
    email: str | None = None,
    q: Annotated[str | None, Query(description="substring of email or user id")] = None,
    account_id: int | None = None,
    min_level: Annotated[int | None, Query(ge=0, le=3)] = None,
) -> dict[str, Any]:
    after = cursors.decode(cursor, 1)
    items, last = service.list_contacts(
        uow,
        limit=limit,
        after=after[0] if after else None,
        email=email,
        q=q,
        account_id=account_id,
        min_level=min_level,
    )
    return {"items": items, "next_cursor": cursors.encode(last) if last is not None else None}


@router.get("/lookup", summary="Find a contact by email, user id or anonymous id")
def lookup(
    uow: Work,
    _: Admin,
    email: str | None = None,
    user_id: str | None = None,
    anonymous_id: str | None = None,
) -> dict[str, Any]:
    given = [
        (k, v)
        for k, v in (("email", email), ("user_id", user_id), ("anonymous_id", anonymous_id))
        if v
    ]
    if len(given) != 1:
        raise InputError([FieldError("query", "give exactly one of email, user_id, anonymous_id")])
    kind, value = given[0]
    return service.get_contact(uow, service.lookup(uow, kind=kind, value=value))


@router.get("/{contact_id}", summary="A contact (merged ids answer with the surviving contact)")
def get_contact(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return service.get_contact(uow, contact_id)


async def _through_pipeline(request: Request, event: Event) -> None:
    await request.app.state.committer.submit([event])


def _event(
    *, traits: dict[str, Any], contact_id: int | None = None, user_id: str | None = None
) -> Event:
    now = now_millis()
    return Event(
        message_id=f"api-{uuid.uuid4()}",
        type="identify",
        user_id=user_id,
        anonymous_id=None,
        ts=now,
        received_at=now,
        traits=traits,
        contact_id=contact_id,
    )


@router.post("", status_code=201, summary="Create or update a contact by email or user id")
async def create_contact(body: ContactCreate, request: Request, _: Admin) -> dict[str, Any]:
    traits = dict(body.traits)
    if body.email is not None:
        if normalise_email(body.email) is None:
            raise InputError([FieldError("email", "not an email address")])
        traits["email"] = body.email
    if body.user_id is None and "email" not in traits:
        raise InputError([FieldError("email", "give an email or a user_id")])
    await _through_pipeline(request, _event(traits=traits, user_id=body.user_id))
    with unit_of_work(request.app.state.engine, write=False) as uow:
        if body.user_id is not None:
            found = service.lookup(uow, kind="user_id", value=body.user_id)
        else:
            found = service.lookup(uow, kind="email", value=traits["email"])
        return service.get_contact(uow, found)


@router.patch("/{contact_id}", summary="Update traits (runs the same pipeline as identify)")
async def update_traits(
    contact_id: int, body: TraitsUpdate, request: Request, _: Admin
) -> dict[str, Any]:
    if "email" in body.traits and normalise_email(body.traits["email"]) is None:
        raise InputError([FieldError("traits.email", "not an email address")])
    with unit_of_work(request.app.state.engine, write=False) as uow:
        live = service.resolve_id(uow, contact_id)
    await _through_pipeline(request, _event(traits=body.traits, contact_id=live))
    with unit_of_work(request.app.state.engine, write=False) as uow:
        return service.get_contact(uow, live)


@router.get("/{contact_id}/events", summary="A contact's events, newest first")
def contact_events(
    contact_id: int, uow: Work, _: Admin, limit: Limit = 50, cursor: str | None = None
) -> dict[str, Any]:
    live = service.resolve_id(uow, contact_id)
    before = cursors.decode(cursor, 2)
    items, last = service.contact_events(
        uow, live, limit=limit, before=(before[0], before[1]) if before else None
    )
    return {"items": items, "next_cursor": cursors.encode(*last) if last else None}


@router.get("/{contact_id}/export", summary="Everything held about a contact (GDPR access)")
def export(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return service.export_contact(uow, contact_id)


@router.delete("/{contact_id}", summary="Erase a contact (GDPR erasure)")
def erase(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return service.erase_contact(uow, contact_id, now=now_millis())
