"""REST: message definitions (validated on save) and previews as any contact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from cadence.api import deps
from cadence.api.deps import Admin, Work
from cadence.config import Settings
from cadence.errors import InputError
from cadence.messages import config, service
from cadence.messages.render import RenderFailed
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/messages", tags=["messages"])
Config = Annotated[Settings, Depends(deps.settings)]


class Preview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: int = Field(description="render as this contact (merged ids are followed)")


@router.get("", summary="All messages")
def list_messages(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": service.list_messages(uow)}


@router.get("/{key}", summary="One message")
def get_message(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return service.get_message(uow, key=key)


@router.put(
    "/{key}",
    summary="Create or replace a message; templates are checked (line and column) before saving",
)
def put_message(
    key: str, uow: Work, _: Admin, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    message = config.validate(body, key=key)
    return service.save_message(uow, message=message, managed_by="api")


@router.post("/{key}/preview", summary="The message rendered for one contact (links are inert)")
def preview(key: str, uow: Work, _: Admin, body: Preview, settings: Config) -> dict[str, Any]:
    links = service.preview_links(base_url=settings.public_url)
    try:
        rendered = service.render_for(
            uow=uow, message_key=key, contact_id=body.contact_id, now=now_millis(), links=links
        )
    except RenderFailed as failure:
        raise InputError([failure.as_field_error()], status=422, code="render_failed") from None
    return rendered.as_dict()
