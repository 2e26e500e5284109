"""REST: the workspace file (PUT to apply, GET to export)."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from cadence.api.deps import Admin, Work
from cadence.runtime import now_millis
from cadence.workspace import document, service

router = APIRouter(prefix="/api/config", tags=["workspace"])


@router.put(
    "",
    summary="Apply a workspace document (YAML or JSON); nothing changes if a part is invalid",
)
async def apply_config(
    request: Request,
    uow: Work,
    _: Admin,
    dry_run: Annotated[bool, Query(description="only report what would change")] = False,
) -> dict[str, Any]:
    text = (await request.body()).decode("utf-8", errors="replace")
    workspace = document.read(document.load_text(text))
    return service.apply(uow, workspace, now=now_millis(), dry_run=dry_run)


@router.get("", summary="The current workspace document", response_model=None)
def export_config(
    uow: Work, _: Admin, format: Annotated[str, Query(pattern="^(json|yaml)$")] = "json"
) -> Response | dict[str, Any]:
    current = service.export(uow)
    if format == "yaml":
        return PlainTextResponse(
            yaml.safe_dump(current, sort_keys=False), media_type="application/yaml"
        )
    return current
