"""The Segment HTTP Tracking API: /v1/identify, track, page, screen, group, alias, batch."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from cadence.api.deps import bearer_token, write_key
from cadence.config import Settings
from cadence.db.types import to_millis
from cadence.errors import FieldError, InputError
from cadence.events.spec import Event, parse_message

router = APIRouter(prefix="/v1", tags=["tracking"])
_DATETIME = TypeAdapter(datetime)


def _too_large(limit: int, what: str) -> InputError:
    return InputError(
        [FieldError("body", f"{what} larger than {limit // 1024} KB")],
        code="payload_too_large",
        status=413,
    )


async def _read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, decompressed, refusing anything past ``limit`` bytes."""
    declared = request.headers.get("content-length")
    encoding = request.headers.get("content-encoding", "").lower()
    if declared and declared.isdigit() and int(declared) > limit and encoding != "gzip":
        raise _too_large(limit, what)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit and encoding != "gzip":
            raise _too_large(limit, what)
    if encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(bytes(raw), limit + 1)
        except zlib.error as error:
            raise InputError([FieldError("body", f"invalid gzip data: {error}")]) from error
        if len(body) > limit or inflater.unconsumed_tail:
            raise _too_large(limit, what)
        return body
    if encoding not in ("", "identity"):
        raise InputError(
            [FieldError("Content-Encoding", f"unsupported encoding {encoding!r}; use gzip")],
            status=415,
            code="unsupported_encoding",
        )
    return bytes(raw)


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise InputError([FieldError("body", "empty body; send a JSON object")])
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InputError([FieldError("body", f"malformed JSON: {error}")]) from error


def _sent_at(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return _DATETIME.validate_python(value)
    except ValidationError as error:
        raise InputError([FieldError(field, "must be an ISO 8601 date-time")]) from error


async def _authorise(request: Request, payload: dict[str, Any]) -> None:
    token = bearer_token(request)
    body_key = payload.get("writeKey")
    if token is None and isinstance(body_key, str):
        token = body_key
    # the key is read from the database on every request (revocation is immediate):
    # off the event loop, which other requests share
    await run_in_threadpool(write_key, request, token)


async def _submit(request: Request, events: list[Event]) -> dict[str, bool]:
    if events:
        await request.app.state.committer.submit(events)
    return {"success": True}


def _now() -> int:
    return to_millis(datetime.now().astimezone())


@router.post("/batch", summary="A batch of calls (what the Segment libraries send)")
async def batch(request: Request) -> dict[str, bool]:
    return await _submit(request, await _parse_batch(request))


async def _parse_batch(request: Request) -> list[Event]:
    settings: Settings = request.app.state.settings
    received_at = _now()
    payload = _parse_json(await _read_body(request, settings.max_batch_bytes, "batch"))
    if not isinstance(payload, dict):
        raise InputError([FieldError("body", "must be a JSON object with a 'batch' array")])
    await _authorise(request, payload)
    items = payload.get("batch")
    if not isinstance(items, list):
        raise InputError([FieldError("batch", "must be an array of calls")])
    sent_at = _sent_at(payload.get("sentAt"), "sentAt")
    shared_context = payload.get("context")
    events: list[Event] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(shared_context, dict) and "context" not in item:
            item = {**item, "context": shared_context}
        parsed = parse_message(
            item,
            where=f"batch[{index}]",
            received_at=received_at,
            batch_sent_at=sent_at,
            max_bytes=settings.max_event_bytes,
        )
        if isinstance(parsed, list):
            errors.extend(parsed)
        else:
            events.append(parsed)
    if errors:
        raise InputError(errors)
    return events


async def _single(request: Request, call_type: str) -> dict[str, bool]:
    return await _submit(request, [await _parse_single(request, call_type)])


async def _parse_single(request: Request, call_type: str) -> Event:
    settings: Settings = request.app.state.settings
    received_at = _now()
    payload = _parse_json(await _read_body(request, settings.max_event_bytes, "event"))
    if not isinstance(payload, dict):
        raise InputError([FieldError("body", "must be a JSON object")])
    await _authorise(request, payload)
    parsed = parse_message(payload, where="", received_at=received_at, call_type=call_type)
    if isinstance(parsed, list):
        raise InputError(parsed)
    return parsed


@router.post("/identify", summary="Who the person is, and their traits")
async def identify(request: Request) -> dict[str, bool]:
    return await _single(request, "identify")


@router.post("/track", summary="Something the person did")
async def track(request: Request) -> dict[str, bool]:
    return await _single(request, "track")


@router.post("/page", summary="A web page view (scored as 'Page Viewed')")
async def page(request: Request) -> dict[str, bool]:
    return await _single(request, "page")


@router.post("/screen", summary="A mobile screen view")
async def screen(request: Request) -> dict[str, bool]:
    return await _single(request, "screen")


@router.post("/group", summary="Link the person to an account (company)")
async def group(request: Request) -> dict[str, bool]:
    return await _single(request, "group")


@router.post("/alias", summary="Join a previous id to a user id")
async def alias(request: Request) -> dict[str, bool]:
    return await _single(request, "alias")
