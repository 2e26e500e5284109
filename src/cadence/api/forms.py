"""REST: subscribe forms (definitions come from the workspace file) and their report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from cadence.api.deps import Admin, Work
from cadence.config import Settings
from cadence.db.types import to_millis
from cadence.forms import service
from cadence.forms.config import as_document

router = APIRouter(tags=["forms"])


@router.get("/api/forms", summary="Subscribe forms and their hosted URLs")
def list_forms(uow: Work, _: Admin, request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return {
        "forms": [
            {**as_document(form), "url": f"{base}/f/{form.key}"} for form in service.load_forms(uow)
        ]
    }


@router.get(
    "/api/reports/forms",
    summary="Displays, opt-ins and opt-in rate per form, incentive and audience",
)
def forms_report(
    uow: Work,
    _: Admin,
    form: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    rows = service.report(
        uow,
        form_key=form,
        since=to_millis(since) if since is not None else None,
        until=to_millis(until) if until is not None else None,
    )
    return {"rows": rows}
