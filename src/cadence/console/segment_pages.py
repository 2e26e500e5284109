"""Segments: sizes with sparklines, the condition editor with a live count, members."""

from __future__ import annotations

from typing import Any, Final

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from cadence.console import charts, views
from cadence.console.auth import Signed, acting, check_csrf_header, reading, require
from cadence.console.models import Permission
from cadence.console.render import not_found, page
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError, NotFound
from cadence.runtime import now_millis
from cadence.segments import service
from cadence.segments.config import SegmentSpec
from cadence.web.common import in_transaction

router = APIRouter(include_in_schema=False)
SPARK_DAYS: Final = 30
MAX_CONDITION: Final = 20_000


def overview(uow: UnitOfWork, *, now: int) -> list[dict[str, Any]]:
    rows = []
    for segment in service.list_segments(uow):
        sizes = [s["size"] for s in service.sizes(uow, segment["key"], days=SPARK_DAYS, now=now)]
        rows.append({**segment, "spark": charts.sparkline(sizes), "month_ago": sizes[0]})
    return rows


def detail(uow: UnitOfWork, *, key: str, now: int) -> dict[str, Any]:
    segment = service.segment_json(uow, service.get_row(uow, key))
    sizes = service.sizes(uow, key, days=90, now=now)
    members, more = service.members(uow, key, limit=50, after=None)
    return {
        "segment": segment,
        "condition_text": _as_text(segment["condition"]),
        "size_chart": charts.line_chart(
            [s["date"] for s in sizes], {"members": [s["size"] for s in sizes]}
        ),
        "members": views.people(members),
        "more": more is not None,
    }


def _as_text(condition: Any) -> str:
    return "" if condition is None else yaml.safe_dump(condition, sort_keys=False)


def read_condition(text: str) -> Any:
    """The condition written in the editor (YAML or JSON), or a field error."""
    if len(text) > MAX_CONDITION:
        raise InputError([FieldError("condition", f"longer than {MAX_CONDITION} characters")])
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError([FieldError("condition", f"not valid YAML: {error}")]) from None
    if value is None:
        raise InputError([FieldError("condition", "is empty")])
    return value


@router.get("/console/segments")
async def segments_page(request: Request, who: Signed) -> HTMLResponse:
    now = now_millis()
    rows = await reading(request, lambda uow: overview(uow, now=now))
    return page("segments.html", viewer=who, title="Segments", section="segments", rows=rows)


@router.get("/console/segments/{key}")
async def segment_page(request: Request, who: Signed, key: str, saved: str = "") -> Response:
    now = now_millis()
    try:
        model = await reading(request, lambda uow: detail(uow, key=key, now=now))
    except NotFound:
        return not_found(
            viewer=who,
            what="Segment",
            text=f"There is no segment {key!r}.",
            back="/console/segments",
        )
    return page(
        "segment.html",
        viewer=who,
        title=model["segment"]["name"],
        section="segments",
        saved=saved,
        problems=[],
        **model,
    )


@router.post("/console/segments/{key}")
async def save_segment(request: Request, who: Signed, key: str) -> Response:
    form = await request.form()
    acting(who, form, Permission.EDIT_DEFINITIONS)
    text = str(form.get("condition") or "")
    now = now_millis()

    def change(uow: UnitOfWork) -> None:
        row = service.get_row(uow, key)
        spec = SegmentSpec(row.key, row.name, row.description, row.kind, read_condition(text))
        service.validate(uow, spec, path="condition")
        service.save(uow, spec, now=now, managed_by="console")

    try:
        await in_transaction(request, change)
    except InputError as error:
        model = await reading(request, lambda uow: detail(uow, key=key, now=now))
        model["condition_text"] = text
        return page(
            "segment.html",
            viewer=who,
            title=model["segment"]["name"],
            section="segments",
            saved="",
            problems=[e.as_dict() for e in error.errors],
            status_code=422,
            **model,
        )
    return RedirectResponse(f"/console/segments/{key}?saved=1", status_code=303)


@router.post("/console/api/segments/preview")
async def preview(request: Request, who: Signed) -> JSONResponse:
    """How many contacts the draft condition matches now (the editor's live count)."""
    check_csrf_header(request, who)
    require(who, Permission.VIEW)
    body = await request.json()
    text = body.get("condition") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise InputError([FieldError("condition", "send the condition as text")])
    condition = read_condition(text)
    now = now_millis()
    found = await reading(request, lambda uow: service.preview(uow, condition, now=now, sample=0))
    return JSONResponse({"count": found["count"]})
