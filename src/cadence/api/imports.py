"""REST: CSV imports."""

from __future__ import annotations

import io
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from cadence import pipeline
from cadence.api.deps import Admin
from cadence.errors import FieldError, InputError
from cadence.events.csv_import import import_contacts
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/imports", tags=["imports"])


def _mapping(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InputError([FieldError("mapping", f"malformed JSON: {error}")]) from error
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError([FieldError("mapping", "must map column names to trait names")])
    return value


@router.post("/contacts", summary="Import contacts from a CSV file (bad rows reported, rest kept)")
async def import_csv(
    request: Request,
    _: Admin,
    file: Annotated[UploadFile, File(description="CSV with a header line")],
    mapping: Annotated[str | None, Form(description='JSON: {"Column": "trait" or "-"}')] = None,
) -> dict[str, Any]:
    plan = _mapping(mapping)
    text = io.TextIOWrapper(file.file, encoding="utf-8-sig", newline="")

    def run() -> dict[str, Any]:
        try:
            report = import_contacts(
                request.app.state.engine,
                text,
                pipeline=pipeline.process,
                now=now_millis,
                mapping=plan,
            )
        except UnicodeDecodeError as error:
            raise InputError([FieldError("file", f"not UTF-8 text: {error.reason}")]) from error
        return report.as_dict()

    return await run_in_threadpool(run)
