"""REST: campaigns (a message to a segment, now or scheduled) and the communication calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cadence.api import cursors
from cadence.api.deps import Admin, Work
from cadence.campaigns import service
from cadence.db.types import to_millis
from cadence.errors import FieldError, InputError
from cadence.policy.calendar import calendar
from cadence.runtime import now_millis

router = APIRouter(tags=["campaigns"])
Limit = Annotated[int, Query(ge=1, le=1000)]
MAX_CALENDAR_DAYS = 366


class NewCampaign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=128, description="the message's key")
    segment: str = Field(min_length=1, max_length=128, description="the segment's key")
    send_at: AwareDatetime | None = Field(default=None, description="start then (else: draft)")


@router.post("/api/campaigns", status_code=201, summary="Create a campaign (draft or scheduled)")
def create_campaign(body: NewCampaign, uow: Work, _: Admin) -> dict[str, Any]:
    send_at = None if body.send_at is None else to_millis(body.send_at)
    return service.create(
        uow, message_key=body.message, segment_key=body.segment, send_at=send_at, now=now_millis()
    )


@router.get("/api/campaigns", summary="Campaigns, newest first")
def list_campaigns(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": service.list_campaigns(uow)}


@router.post(
    "/api/campaigns/{campaign_id}/send",
    status_code=202,
    summary="Start sending now; recipients are enqueued and delivered by the scheduler",
)
def send_campaign(campaign_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return service.start(uow, campaign_id=campaign_id, now=now_millis())


@router.get("/api/campaigns/{campaign_id}", summary="Status and totals")
def get_campaign(campaign_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return service.get(uow, campaign_id=campaign_id)


@router.get("/api/campaigns/{campaign_id}/recipients", summary="Recipients with state and reason")
def campaign_recipients(
    campaign_id: int, uow: Work, _: Admin, limit: Limit = 100, cursor: str | None = None
) -> dict[str, Any]:
    after = cursors.decode(cursor, 1)
    items, last = service.recipients(
        uow, campaign_id=campaign_id, after=after[0] if after else 0, limit=limit
    )
    return {"items": items, "next_cursor": cursors.encode(last) if last is not None else None}


@router.get("/api/calendar", tags=["calendar"], summary="Planned and sent messages per day")
def get_calendar(
    uow: Work,
    _: Admin,
    first: Annotated[date, Query(alias="from", description="first day (UTC), YYYY-MM-DD")],
    last: Annotated[date, Query(alias="to", description="last day (UTC), inclusive")],
) -> dict[str, Any]:
    if last < first:
        raise InputError([FieldError("to", "must not be before from")])
    if (last - first).days >= MAX_CALENDAR_DAYS:
        raise InputError([FieldError("to", f"at most {MAX_CALENDAR_DAYS} days after from")])
    return calendar(uow, first=first, last=last)
