"""CSRF protection for the pages' forms, without sessions or JavaScript.

A random nonce lives in an HttpOnly, SameSite=Lax cookie; each form carries
HMAC(key, nonce "|" scope) where the scope is the form's own URL token, so another site
can neither read nor forge the field, and a field from one page is useless on another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Final

from fastapi import Request
from starlette.responses import Response

COOKIE: Final = "cadence_csrf"
FIELD: Final = "csrf"
_DERIVATION: Final = b"cadence.csrf.v1:"


def _key(request: Request) -> bytes:
    return hashlib.sha256(_DERIVATION + str(request.app.state.secret_key).encode()).digest()


def nonce(request: Request) -> str:
    """The visitor's nonce: the cookie's, or a fresh one (set it with ``remember``)."""
    current = request.cookies.get(COOKIE, "")
    return current if 20 <= len(current) <= 64 else secrets.token_urlsafe(24)


def field_value(request: Request, *, nonce_value: str, scope: str) -> str:
    mac = hmac.new(_key(request), f"{nonce_value}|{scope}".encode(), hashlib.sha256)
    return mac.hexdigest()


def remember(response: Response, request: Request, *, nonce_value: str) -> None:
    if request.cookies.get(COOKIE) == nonce_value:
        return
    response.set_cookie(
        COOKIE,
        nonce_value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def valid(request: Request, form: Mapping[str, object], *, scope: str) -> bool:
    """Whether the submitted field matches the cookie's nonce for this scope."""
    cookie = request.cookies.get(COOKIE)
    submitted = form.get(FIELD)
    if not cookie or not isinstance(submitted, str):
        return False
    expected = field_value(request, nonce_value=cookie, scope=scope)
    return hmac.compare_digest(expected, submitted)
