"""Request glue: the session cookie, the signed-in viewer, role and CSRF checks."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Annotated, Final, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from cadence.config import Settings
from cadence.console import service
from cadence.console.models import Permission, Viewer
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.runtime import now_millis

T = TypeVar("T")

COOKIE: Final = "cadence_session"
CSRF_FIELD: Final = "csrf"
CSRF_HEADER: Final = "x-csrf-token"


class SignInNeeded(Exception):
    """No live session: the page answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """Signed in, but not allowed (role) or the form's CSRF token is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def reading(request: Request, work: Callable[[UnitOfWork], T]) -> T:
    """Run ``work`` in a read-only transaction on a worker thread (takes no write lock)."""

    def run() -> T:
        with unit_of_work(request.app.state.engine, write=False) as uow:
            return work(uow)

    return await run_in_threadpool(run)


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def set_session_cookie(response: Response, *, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
        path="/",
    )


def clear_session_cookie(response: Response, *, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


async def viewer(request: Request) -> Viewer:
    """The signed-in user, else a redirect to the sign-in page."""
    token = request.cookies.get(COOKIE, "")
    found = await reading(
        request, lambda uow: service.session_viewer(uow, token=token, now=now_millis())
    )
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target if request.method == "GET" else "/console")
    return found


Signed = Annotated[Viewer, Depends(viewer)]


def require(who: Viewer, permission: Permission) -> None:
    if not who.can(permission):
        raise Refused(f"Your role ({who.user.role}) may not {permission}.")


def check_csrf(who: Viewer, form: Mapping[str, object]) -> None:
    """Every state-changing form carries the session's token (a header for scripts)."""
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not hmac.compare_digest(given, who.csrf):
        raise Refused("The form's security token is missing or wrong; reload the page and retry.")


def check_csrf_header(request: Request, who: Viewer) -> None:
    check_csrf(who, {CSRF_FIELD: request.headers.get(CSRF_HEADER, "")})


def acting(who: Viewer, form: Mapping[str, object], permission: Permission) -> None:
    """A change: the form must be genuine and the role allowed."""
    check_csrf(who, form)
    require(who, permission)
