"""REST: CSV import of consent (a column per channel:topic; source, basis, wording required)."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from cadence.api.deps import Admin
from cadence.consent.csv_import import FileTerms, import_consents
from cadence.consent.models import Basis, Source
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/imports", tags=["imports"])


@router.post(
    "/consents",
    summary="Import consent from CSV (bad rows reported, the rest kept)",
)
async def import_csv(
    request: Request,
    _: Admin,
    file: Annotated[
        UploadFile, File(description="CSV: email|user_id|contact_id, channel:topic...")
    ],
    source: Annotated[Literal["import", "form", "api"], Form(description="how it was collected")],
    basis: Annotated[Basis, Form(description="express, implied or legitimate_interest")],
    wording: Annotated[str, Form(max_length=10_000, description="the exact wording people saw")],
) -> dict[str, Any]:
    if not wording.strip():
        raise InputError([FieldError("wording", "required: the exact wording people agreed to")])
    terms = FileTerms(source=Source(source), basis=basis, wording=wording.strip())
    text = io.TextIOWrapper(file.file, encoding="utf-8-sig", newline="")

    def run() -> dict[str, Any]:
        try:
            report = import_consents(request.app.state.engine, text, terms=terms, now=now_millis)
        except UnicodeDecodeError as error:
            raise InputError([FieldError("file", f"not UTF-8 text: {error.reason}")]) from error
        return report.as_dict()

    return await run_in_threadpool(run)
