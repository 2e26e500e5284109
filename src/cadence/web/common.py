"""What every page needs: token checks with clear error pages, the visitor's evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from cadence.consent.links import signing_key
from cadence.consent.tokens import TokenClaims, TokenError, TokenErrorKind, verify
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.runtime import now_millis
from cadence.web.render import page

T = TypeVar("T")

_PROBLEMS: Final = {
    TokenErrorKind.EXPIRED: (
        410,
        "This link has expired",
        "For your security, personal links stop working after a while. Use the link in a "
        "more recent message from us, or contact us and we will help.",
    ),
    TokenErrorKind.MALFORMED: (
        400,
        "This link is not valid",
        "The link may have been cut off or changed. Copy the whole link from the message "
        "and try again. Nothing was changed.",
    ),
    TokenErrorKind.BAD_SIGNATURE: (
        400,
        "This link is not valid",
        "The link was changed after we sent it, so we cannot trust it. Nothing was changed.",
    ),
    TokenErrorKind.WRONG_PURPOSE: (
        400,
        "This link is not valid here",
        "This link belongs to another page. Nothing was changed.",
    ),
}


def message_page(title: str, text: str, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    return page("message.html", status_code=status_code, title=title, text=text, **extra)


def claims_or_page(
    request: Request, *, token: str, purpose: str, now: int
) -> TokenClaims | HTMLResponse:
    """The token's claims, or the error page to answer with (nothing is changed)."""
    key = signing_key(secret=request.app.state.secret_key)
    try:
        return verify(key=key, token=token, purpose=purpose, at=now)
    except TokenError as error:
        status, title, text = _PROBLEMS[error.kind]
        return message_page(title, text, status_code=status, error=True)


def gone_page() -> HTMLResponse:
    return message_page(
        "This link no longer works",
        "We no longer hold the details this link was made for. Nothing was changed.",
        status_code=410,
        error=True,
    )


def client_ip(request: Request) -> str | None:
    return request.client.host[:64] if request.client is not None else None


def user_agent(request: Request) -> str | None:
    value = request.headers.get("user-agent")
    return value[:1000] if value else None


async def in_transaction(request: Request, work: Callable[[UnitOfWork], T]) -> T:
    """Run ``work`` in one transaction on a worker thread; commit when it returns."""
    engine: Engine = request.app.state.engine

    def run() -> T:
        with unit_of_work(engine) as uow:
            return work(uow)

    return await run_in_threadpool(run)


def now() -> int:
    return now_millis()
