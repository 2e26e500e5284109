"""Mounting the console: its routers, its sign-in and refusal answers, the bootstrap admin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from cadence.config import Settings
from cadence.console import (
    contact_pages,
    home_pages,
    journey_pages,
    login_pages,
    message_pages,
    segment_pages,
    service,
    settings_pages,
)
from cadence.console.auth import Refused, SignInNeeded
from cadence.console.render import problem
from cadence.db.engine import unit_of_work
from cadence.runtime import now_millis


def bootstrap_admin(engine: Engine, settings: Settings) -> bool:
    """Create the admin named by CADENCE_BOOTSTRAP_ADMIN_EMAIL/_PASSWORD if absent."""
    email, password = settings.bootstrap_admin_email, settings.bootstrap_admin_password
    if not email or not password:
        return False
    with unit_of_work(engine) as uow:
        return service.ensure_admin(uow, email=email, password=password, now=now_millis())


def _with_bootstrap(
    original: Callable[[Any], AbstractAsyncContextManager[Any]], settings: Settings
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with original(app):
            # the application's own start-up has opened and migrated the database by now
            await run_in_threadpool(bootstrap_admin, app.state.engine, settings)
            yield

    return lifespan


async def _sign_in(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInNeeded)
    if request.url.path.startswith("/console/api/"):
        return JSONResponse(
            {"code": "unauthorized", "message": "sign in first", "errors": []}, status_code=401
        )
    return RedirectResponse(f"/login?next={quote(error.next_path, safe='/')}", status_code=303)


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    if request.url.path.startswith("/console/api/"):
        return JSONResponse(
            {"code": "forbidden", "message": error.reason, "errors": []}, status_code=403
        )
    answer: HTMLResponse = problem(
        viewer=None,
        title="Not allowed",
        text=error.reason,
        back="/console",
        status_code=403,
    )
    return answer


def install(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.router.lifespan_context = _with_bootstrap(app.router.lifespan_context, settings)
    app.add_exception_handler(SignInNeeded, _sign_in)
    app.add_exception_handler(Refused, _refused)
    for module in (
        login_pages,
        home_pages,
        contact_pages,
        segment_pages,
        journey_pages,
        message_pages,
        settings_pages,
    ):
        app.include_router(module.router)
