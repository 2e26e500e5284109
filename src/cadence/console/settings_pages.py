"""Settings: the workspace file (view, check with a diff, apply), API keys, users."""

from __future__ import annotations

import difflib
from typing import Any, Final

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.console import service, views
from cadence.console.auth import Signed, acting, reading
from cadence.console.models import Permission, Role, Viewer
from cadence.console.render import page
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis
from cadence.security.keys import SCOPES, create_key, list_keys
from cadence.web.common import in_transaction
from cadence.workspace import document
from cadence.workspace import service as workspace

router = APIRouter(prefix="/console/settings", include_in_schema=False)
MAX_DOCUMENT: Final = 1_000_000
CHANGES: Final = ("created", "updated", "deleted")


def current_text(uow: UnitOfWork) -> str:
    return yaml.safe_dump(workspace.export(uow), sort_keys=False, allow_unicode=True)


def overview(uow: UnitOfWork) -> dict[str, Any]:
    return {
        "workspace_text": current_text(uow),
        "keys": list_keys(uow),
        "users": [
            {**u.__dict__, "last": views.when(u.last_login_at)} for u in service.list_users(uow)
        ],
    }


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs: kind is add, del, hunk or same."""
    lines = []
    for line in difflib.unified_diff(
        before.splitlines(), after.splitlines(), "current", "proposed", lineterm="", n=2
    ):
        kind = "hunk" if line.startswith("@@") else "same"
        if line.startswith("+") and not line.startswith("+++"):
            kind = "add"
        elif line.startswith("-") and not line.startswith("---"):
            kind = "del"
        lines.append((kind, line))
    return lines


def plan_changes(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(section, change, name) for every definition the document would change."""
    out: list[tuple[str, str, str]] = []
    for section, part in report.items():
        if isinstance(part, dict):
            for change in CHANGES:
                out.extend((section, change, str(name)) for name in part.get(change, []))
    return out


def check(uow: UnitOfWork, *, text: str, now: int, apply: bool) -> dict[str, Any]:
    """Validate the document and plan it (apply too when asked); raises InputError."""
    if len(text) > MAX_DOCUMENT:
        raise InputError([FieldError("document", f"larger than {MAX_DOCUMENT} characters")])
    parsed = document.read(document.load_text(text))
    before = current_text(uow)
    report = workspace.apply(uow, parsed, now=now, dry_run=not apply)
    proposed = yaml.safe_dump(document.load_text(text), sort_keys=False, allow_unicode=True)
    return {
        "changes": plan_changes(report),
        "count": report["changes"],
        "applied": report["applied"],
        "diff": diff_lines(before, proposed),
    }


async def _page(request: Request, who: Viewer, *, status: int = 200, **extra: Any) -> HTMLResponse:
    model = await reading(request, overview)
    context = {
        "scopes": SCOPES,
        "roles": [r.value for r in Role],
        "plan": None,
        "draft": None,
        "problems": [],
        "new_token": None,
        "notice": request.query_params.get("done", ""),
        **model,
        **extra,
    }
    return page(
        "settings.html",
        viewer=who,
        title="Settings",
        section="settings",
        status_code=status,
        **context,
    )


@router.get("")
async def settings_page(request: Request, who: Signed) -> HTMLResponse:
    return await _page(request, who)


@router.post("/workspace")
async def workspace_change(request: Request, who: Signed) -> Response:
    form = await request.form()
    acting(who, form, Permission.EDIT_DEFINITIONS)
    text = str(form.get("document") or "")
    apply = form.get("step") == "apply"
    now = now_millis()
    try:
        if apply:
            outcome = await in_transaction(
                request, lambda uow: check(uow, text=text, now=now, apply=True)
            )
        else:
            outcome = await reading(
                request, lambda uow: check(uow, text=text, now=now, apply=False)
            )
    except InputError as error:
        return await _page(
            request, who, status=422, draft=text, problems=[e.as_dict() for e in error.errors]
        )
    if apply:
        return RedirectResponse(
            f"/console/settings?done=applied+{outcome['count']}+change(s)", status_code=303
        )
    return await _page(request, who, draft=text, plan=outcome)


@router.post("/keys")
async def new_key(request: Request, who: Signed) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_KEYS)
    scope, name = str(form.get("scope") or ""), str(form.get("name") or "").strip()
    problems = []
    if scope not in SCOPES:
        problems.append(FieldError("scope", f"use one of {', '.join(SCOPES)}").as_dict())
    if not name or len(name) > 255:
        problems.append(FieldError("name", "must have 1 to 255 characters").as_dict())
    if problems:
        return await _page(request, who, status=422, problems=problems)
    _, token = await in_transaction(
        request, lambda uow: create_key(uow, scope=scope, name=name, now=now_millis())
    )
    return await _page(request, who, new_token=token)


@router.post("/users")
async def new_user(request: Request, who: Signed) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_USERS)
    try:
        await in_transaction(
            request,
            lambda uow: service.create_user(
                uow,
                email=str(form.get("email") or ""),
                name=str(form.get("name") or ""),
                role=str(form.get("role") or ""),
                password=str(form.get("password") or ""),
                now=now_millis(),
            ),
        )
    except InputError as error:
        return await _page(request, who, status=422, problems=[e.as_dict() for e in error.errors])
    return RedirectResponse("/console/settings?done=user+added", status_code=303)
