"""REST: segments, their members, previews, sizes and a contact's segment history."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from cadence.api import cursors
from cadence.api.deps import Admin, Work
from cadence.contacts.service import resolve_id
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis
from cadence.segments import config, service

router = APIRouter(tags=["segments"])
Limit = Annotated[int, Query(ge=1, le=1000)]


class Preview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    condition: Any = Field(description="a draft condition in the condition language")
    sample: int = Field(default=10, ge=0, le=100)


class Members(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_ids: list[int] = Field(min_length=1, max_length=10_000)


def _spec(raw: Any, *, key: str | None = None) -> config.SegmentSpec:
    if isinstance(raw, dict) and key is not None:
        if "key" in raw and raw["key"] != key:
            raise InputError([FieldError("key", "does not match the key in the path")])
        raw = {**raw, "key": key}
    errors: list[FieldError] = []
    spec = config.read_spec(raw, "", errors)
    if spec is None:
        raise InputError(errors)
    return spec


@router.get("/api/segments", summary="All segments with their sizes")
def list_segments(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": service.list_segments(uow)}


@router.post("/api/segments", status_code=201, summary="Create a segment (built at once)")
def create_segment(uow: Work, _: Admin, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    spec = _spec(body)
    if service.exists(uow, spec.key):
        raise InputError(
            [FieldError("key", f"segment {spec.key!r} exists; PUT to change it")],
            status=409,
            code="conflict",
        )
    service.validate(uow, spec)
    saved, reports = service.save(uow, spec, now=now_millis(), managed_by="api")
    return {**saved, "rebuild": [r.__dict__ for r in reports]}


@router.post("/api/segments/preview", summary="Count and sample for a draft condition")
def preview(uow: Work, _: Admin, body: Preview) -> dict[str, Any]:
    return service.preview(uow, body.condition, now=now_millis(), sample=body.sample)


@router.get("/api/segments/{key}", summary="One segment")
def get_segment(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return service.segment_json(uow, service.get_row(uow, key))


@router.put("/api/segments/{key}", summary="Create or replace a segment (rebuilt when it changed)")
def put_segment(
    key: str, uow: Work, _: Admin, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    spec = _spec(body, key=key)
    service.validate(uow, spec)
    saved, reports = service.save(uow, spec, now=now_millis(), managed_by="api")
    return {**saved, "rebuild": [r.__dict__ for r in reports]}


@router.delete("/api/segments/{key}", summary="Delete a segment no other segment uses")
def delete_segment(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    service.remove(uow, key)
    return {"deleted": key}


@router.get("/api/segments/{key}/members", summary="Members, paged")
def members(
    key: str, uow: Work, _: Admin, limit: Limit = 50, cursor: str | None = None
) -> dict[str, Any]:
    after = cursors.decode(cursor, 1)
    items, last = service.members(uow, key, limit=limit, after=after[0] if after else None)
    return {"items": items, "next_cursor": cursors.encode(last) if last is not None else None}


@router.post("/api/segments/{key}/members", summary="Add contacts to a static list")
def add_members(key: str, uow: Work, _: Admin, body: Members) -> dict[str, int]:
    return {"added": service.set_static(uow, key, body.contact_ids, add=True, now=now_millis())}


@router.post("/api/segments/{key}/members/remove", summary="Remove contacts from a static list")
def remove_members(key: str, uow: Work, _: Admin, body: Members) -> dict[str, int]:
    return {"removed": service.set_static(uow, key, body.contact_ids, add=False, now=now_millis())}


@router.post("/api/segments/{key}/members/import", summary="Add or remove list members from a CSV")
def import_members(
    key: str,
    uow: Work,
    _: Admin,
    file: Annotated[UploadFile, File(description="CSV with an email or user_id column")],
    remove: Annotated[bool, Form(description="remove the listed contacts instead")] = False,
) -> dict[str, Any]:
    text = io.TextIOWrapper(file.file, encoding="utf-8-sig", newline="")
    return service.import_list(uow, key, text, remove=remove, now=now_millis())


@router.get("/api/segments/{key}/sizes", summary="Size at the end of each day")
def sizes(
    key: str, uow: Work, _: Admin, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> dict[str, Any]:
    return {"items": service.sizes(uow, key, days=days, now=now_millis())}


@router.get(
    "/api/contacts/{contact_id}/segments/history",
    summary="Why a contact entered or left each segment",
)
def history(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": service.contact_history(uow, resolve_id(uow, contact_id))}
