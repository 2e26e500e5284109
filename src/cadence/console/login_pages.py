"""Sign-in, sign-out and the redirect from ``/`` to the console."""

from __future__ import annotations

import math
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.config import Settings
from cadence.console import service
from cadence.console.auth import (
    COOKIE,
    Signed,
    check_csrf,
    clear_session_cookie,
    set_session_cookie,
)
from cadence.console.render import page
from cadence.web import csrf
from cadence.web.common import client_ip, in_transaction, now

router = APIRouter(include_in_schema=False)
SCOPE: Final = "console-login"


def _safe_next(value: object) -> str:
    """Only paths inside the console: never an open redirect to another site."""
    text = value if isinstance(value, str) else ""
    if text.startswith("/console") and "//" not in text and "\\" not in text:
        return text
    return "/console"


def _login_page(
    request: Request, *, next_path: str, email: str = "", problem: str = "", status: int = 200
) -> HTMLResponse:
    nonce = csrf.nonce(request)
    response = page(
        "login.html",
        viewer=None,
        title="Sign in",
        csrf=csrf.field_value(request, nonce_value=nonce, scope=SCOPE),
        next=next_path,
        email=email,
        problem=problem,
        status_code=status,
    )
    csrf.remember(response, request, nonce_value=nonce)
    return response


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/console") -> HTMLResponse:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    next_path = _safe_next(form.get("next"))
    email = str(form.get("email") or "")[:320]
    if not csrf.valid(request, form, scope=SCOPE):
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            problem="The form expired; please sign in again.",
            status=403,
        )
    settings: Settings = request.app.state.settings
    outcome = await in_transaction(
        request,
        lambda uow: service.sign_in(
            uow,
            email=email,
            password=str(form.get("password") or ""),
            ip=client_ip(request),
            now=now(),
            session_hours=settings.session_hours,
        ),
    )
    if outcome.retry_after_ms is not None:
        minutes = max(1, math.ceil(outcome.retry_after_ms / 60_000))
        answer = _login_page(
            request,
            next_path=next_path,
            email=email,
            problem=f"Too many failed attempts. Try again in {minutes} minute(s).",
            status=429,
        )
        answer.headers["Retry-After"] = str(math.ceil(outcome.retry_after_ms / 1000))
        return answer
    if outcome.token is None:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            problem="Wrong email or password.",
            status=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, token=outcome.token, settings=settings)
    return response


@router.post("/logout")
async def logout(request: Request, who: Signed) -> Response:
    check_csrf(who, await request.form())
    token = request.cookies.get(COOKIE, "")
    await in_transaction(request, lambda uow: service.close_session(uow, token=token))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, settings=request.app.state.settings)
    return response
