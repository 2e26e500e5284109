"""REST: the sales owner of a lead (set, clear, history)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cadence import pipeline
from cadence.api.deps import Admin, Work
from cadence.contacts.service import get_contact, resolve_id
from cadence.runtime import now_millis
from cadence.scoring import owners

router = APIRouter(prefix="/api/contacts", tags=["leads"])


class OwnerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str | None = Field(description="email address or CRM user id of the owner; null clears")
    reason: str = Field(default="", max_length=2000)
    by: str = Field(default="api", min_length=1, max_length=128, description="who decided")


@router.put("/{contact_id}/owner", summary="Assign (or clear) the sales owner of a contact")
def set_owner(contact_id: int, body: OwnerUpdate, uow: Work, _: Admin) -> dict[str, Any]:
    live = resolve_id(uow, contact_id)
    change = pipeline.change_owner(
        uow, live, owner=body.owner, actor=body.by, reason=body.reason, now=now_millis()
    )
    return {"changed": change is not None, "contact": get_contact(uow, live)}


@router.get("/{contact_id}/owner/history", summary="Every change of the contact's owner")
def owner_changes(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": owners.history(uow, resolve_id(uow, contact_id))}
