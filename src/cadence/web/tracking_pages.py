"""Open pixel and click redirect: ``GET /t/o/{token}`` and ``GET /t/c/{token}`` (no auth).

A genuine token records ``Email Opened`` / ``Email Clicked`` for the contact the send was
for (followed through merges) through the group committer, so opens and clicks feed
scoring and segments like any event. An unknown or altered token is a 404, never a
redirect. A contact that was since erased gets no event, but the reader still gets the
image and the link still works.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import select

from cadence.channels.events import channel_event
from cadence.channels.tracking import CLICK_PATH, OPEN_PATH, read_click, read_open, tracking_key
from cadence.contacts.service import resolve_id
from cadence.db.engine import unit_of_work
from cadence.db.tables import sends
from cadence.errors import NotFound
from cadence.runtime import now_millis

router = APIRouter(include_in_schema=False)

PIXEL: Final = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE: Final = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _key(request: Request) -> bytes:
    return tracking_key(secret=request.app.state.secret_key)


def _send_facts(request: Request, send_id: int) -> dict[str, Any] | None:
    """The live contact and message of a send; None if the send or its contact is gone."""
    with unit_of_work(request.app.state.engine, write=False) as uow:
        row = uow.conn.execute(
            select(sends.c.contact_id, sends.c.message_key, sends.c.source, sends.c.topic).where(
                sends.c.id == send_id
            )
        ).first()
        if row is None:
            return None
        try:
            contact_id = resolve_id(uow, row.contact_id)
        except NotFound:
            return None
    return {
        "contact_id": contact_id,
        "message": row.message_key,
        "source": row.source,
        "topic": row.topic,
    }


async def _record(request: Request, *, name: str, send_id: int, url: str | None = None) -> None:
    facts = await run_in_threadpool(_send_facts, request, send_id)
    if facts is None:
        return
    moment = now_millis()
    properties: dict[str, Any] = {
        "message": facts["message"],
        "send_id": send_id,
        "source": facts["source"],
        "topic": facts["topic"],
    }
    if url is not None:
        properties["url"] = url
    event = channel_event(
        name=name,
        contact_id=facts["contact_id"],
        properties=properties,
        at=moment,
        message_id=f"track-{uuid.uuid4()}",
        context={"userAgent": request.headers.get("user-agent", "")[:512]},
    )
    await request.app.state.committer.submit([event])


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=NO_STORE)


@router.get(OPEN_PATH + "{token}")
async def opened(request: Request, token: str) -> Response:
    send_id = read_open(key=_key(request), token=token)
    if send_id is None:
        return _not_found()
    await _record(request, name="Email Opened", send_id=send_id)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get(CLICK_PATH + "{token}")
async def clicked(request: Request, token: str) -> Response:
    click = read_click(key=_key(request), token=token)
    if click is None:
        return _not_found()
    await _record(request, name="Email Clicked", send_id=click.send_id, url=click.url)
    return RedirectResponse(click.url, status_code=302, headers=NO_STORE)
