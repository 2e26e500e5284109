"""Settings: the workspace file (view, check with a diff, apply), API keys, users, passwords."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote_plus

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.console import service, views
from cadence.console.auth import COOKIE, Signed, acting, reading
from cadence.console.models import Permission, Role, Viewer
from cadence.console.render import page
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis
from cadence.security import keys
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
        "when": views.when,
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


async def _change(
    request: Request, who: Viewer, work: Callable[[UnitOfWork], object], *, done: str
) -> Response:
    """Run one change in its own transaction: back to the page, or the page with the problems."""
    try:
        await in_transaction(request, work)
    except InputError as error:
        status = 422 if error.status == 400 else error.status
        return await _page(
            request, who, status=status, problems=[e.as_dict() for e in error.errors]
        )
    return RedirectResponse(f"/console/settings?done={quote_plus(done)}", status_code=303)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, who: Signed, key_id: int) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_KEYS)
    return await _change(
        request,
        who,
        # the console does not sign in with a key: it may revoke the last admin key too
        lambda uow: keys.revoke_key(uow, key_id=key_id, now=now_millis(), keep_an_admin=False),
        done=f"key #{key_id} revoked",
    )


@router.post("/users")
async def new_user(request: Request, who: Signed) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_USERS)
    return await _change(
        request,
        who,
        lambda uow: service.create_user(
            uow,
            email=str(form.get("email") or ""),
            name=str(form.get("name") or ""),
            role=str(form.get("role") or ""),
            password=str(form.get("password") or ""),
            now=now_millis(),
        ),
        done="user added",
    )


@router.post("/users/{user_id}/role")
async def user_role(request: Request, who: Signed, user_id: int) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_USERS)
    role = str(form.get("role") or "")
    return await _change(
        request,
        who,
        lambda uow: service.change_role(uow, user_id=user_id, role=role),
        done=f"user #{user_id} is now {role}",
    )


@router.post("/users/{user_id}/active")
async def user_active(request: Request, who: Signed, user_id: int) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_USERS)
    wanted = str(form.get("active") or "")
    if wanted not in ("yes", "no"):
        problem = FieldError("active", "must be yes or no").as_dict()
        return await _page(request, who, status=422, problems=[problem])
    return await _change(
        request,
        who,
        lambda uow: service.set_active(uow, user_id=user_id, active=wanted == "yes"),
        done=f"user #{user_id} {'reactivated' if wanted == 'yes' else 'deactivated'}",
    )


@router.post("/users/{user_id}/password")
async def user_password(request: Request, who: Signed, user_id: int) -> Response:
    form = await request.form()
    acting(who, form, Permission.MANAGE_USERS)
    token = request.cookies.get(COOKIE, "")
    return await _change(
        request,
        who,
        lambda uow: service.reset_password(
            uow, user_id=user_id, password=str(form.get("password") or ""), keep_token=token
        ),
        done=f"new password set for user #{user_id}; their sessions ended",
    )


@router.post("/password")
async def own_password(request: Request, who: Signed) -> Response:
    form = await request.form()
    acting(who, form, Permission.VIEW)  # every role changes its own password
    token = request.cookies.get(COOKIE, "")
    return await _change(
        request,
        who,
        lambda uow: service.change_own_password(
            uow,
            user_id=who.user.id,
            current=str(form.get("current_password") or ""),
            new=str(form.get("new_password") or ""),
            session_token=token,
        ),
        done="your password was changed; your other sessions ended",
    )
