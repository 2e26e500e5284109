"""REST: bounces and complaints (a raw RFC 5322 message per request) and the bounce log."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query, Request

from cadence.api.deps import Admin, Work
from cadence.channels import bounce_service, deliverability
from cadence.channels.tracking import tracking_key
from cadence.consent.models import DAY_MS
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/bounces", tags=["bounces"])
MAX_REPORT_BYTES: Final = 10 * 1024 * 1024


async def _raw(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
        raise InputError([FieldError("body", "larger than 10 MB")], status=413)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_REPORT_BYTES:
            raise InputError([FieldError("body", "larger than 10 MB")], status=413)
    if not raw.strip():
        raise InputError([FieldError("body", "empty; send the raw bounce or complaint message")])
    return bytes(raw)


@router.post(
    "",
    summary="Take in a bounce (DSN, RFC 3464) or complaint (ARF, RFC 5965) as a raw message",
)
async def post_bounce(request: Request, _: Admin, uow: Work) -> dict[str, Any]:
    raw = await _raw(request)
    try:
        outcome = bounce_service.ingest_report(
            uow,
            raw=raw,
            key=tracking_key(secret=request.app.state.secret_key),
            now=now_millis(),
            source="api",
        )
    except bounce_service.NotAReport as error:
        raise InputError([FieldError("body", str(error))], status=422) from error
    return outcome.as_dict()


@router.get("/summary", summary="Deliverability over the last days: bounce and complaint rates")
def bounce_summary(
    uow: Work, _: Admin, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> dict[str, Any]:
    since = now_millis() - days * DAY_MS
    return {"days": days, **deliverability.summary(uow, since=since)}


@router.get("", summary="The bounce log, oldest first (for the deliverability dashboard)")
def list_bounces(
    uow: Work,
    _: Admin,
    kind: Literal["hard_bounce", "soft_bounce", "complaint"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    items = deliverability.list_log(uow, after=after, limit=limit, kind=kind)
    return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}
