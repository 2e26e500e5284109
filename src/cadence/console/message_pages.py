"""Messages and campaigns: previews as a chosen contact, the calendar, campaign results."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cadence.campaigns import service as campaigns
from cadence.console import views
from cadence.console.auth import Signed, reading
from cadence.console.render import page
from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis
from cadence.errors import InputError, NotFound
from cadence.messages import service as messages
from cadence.messages.render import RenderFailed
from cadence.policy.calendar import calendar
from cadence.runtime import now_millis

router = APIRouter(prefix="/console/messages", include_in_schema=False)
CALENDAR_DAYS: Final = 28
EMPTY_PARTS: Final = {"subject": None, "preheader": None, "html": None, "text": None}

# The rendered message is untrusted-looking HTML: it runs in a sandboxed frame, no scripts,
# no requests anywhere but images from us.
PREVIEW_HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; sandbox"
    ),
}


def _calendar(uow: UnitOfWork, *, now: int) -> dict[str, Any]:
    today = from_millis(now).date()
    first, last = today - timedelta(days=CALENDAR_DAYS // 2), today + timedelta(days=13)
    found = calendar(uow, first=first, last=last)
    per_day: dict[str, dict[str, int]] = {}
    for cell in found["days"]:
        day = per_day.setdefault(cell["day"], {"sent": 0, "planned": 0})
        day["sent"] += cell["sent"]
        day["planned"] += cell["planned"]
    days = []
    for offset in range((last - first).days + 1):
        label = (first + timedelta(days=offset)).isoformat()
        days.append({"day": label, **per_day.get(label, {"sent": 0, "planned": 0})})
    return {
        "days": days,
        "campaigns": found["campaigns"],
        "today": today.isoformat(),
        "cells": found["days"],
    }


def overview(uow: UnitOfWork, *, now: int) -> dict[str, Any]:
    listed = campaigns.list_campaigns(uow, limit=50)
    return {
        "messages": messages.list_messages(uow),
        "campaigns": [
            {
                **c,
                "totals": campaigns.totals(uow, campaign_id=c["id"]),
                "when": views.when(c["send_at"] or c["created_at"]),
            }
            for c in listed
        ],
        "calendar": _calendar(uow, now=now),
    }


def preview(uow: UnitOfWork, *, key: str, contact_id: int, base_url: str, now: int) -> Any:
    links = messages.preview_links(base_url=base_url)
    return messages.render_for(
        uow=uow, message_key=key, contact_id=contact_id, now=now, links=links
    )


@router.get("")
async def messages_page(
    request: Request,
    who: Signed,
    message: Annotated[str, Query(max_length=128)] = "",
    contact: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    now = now_millis()
    model = await reading(request, lambda uow: overview(uow, now=now))
    rendered, problem = None, ""
    if message and contact is not None:
        base = request.app.state.settings.public_url
        try:
            rendered = await reading(
                request,
                lambda uow: preview(uow, key=message, contact_id=contact, base_url=base, now=now),
            )
        except NotFound as missing:
            problem = f"{missing.what} not found"
        except RenderFailed as failure:
            problem = failure.as_field_error().message
        except InputError as error:
            problem = error.message
    return page(
        "messages.html",
        viewer=who,
        title="Messages & campaigns",
        section="messages",
        chosen=message,
        contact=contact,
        rendered=None if rendered is None else {**EMPTY_PARTS, **rendered.as_dict()},
        problem=problem,
        **model,
    )


@router.get("/{key}/preview/{contact_id}.html")
async def preview_html(request: Request, who: Signed, key: str, contact_id: int) -> HTMLResponse:
    """The HTML part alone, for the sandboxed frame on the messages page."""
    base = request.app.state.settings.public_url
    now = now_millis()
    try:
        rendered = await reading(
            request,
            lambda uow: preview(uow, key=key, contact_id=contact_id, base_url=base, now=now),
        )
    except (NotFound, RenderFailed):
        return HTMLResponse("<p>Nothing to show.</p>", status_code=404, headers=PREVIEW_HEADERS)
    return HTMLResponse(rendered.html or "", headers=PREVIEW_HEADERS)
