"""Rendering pages: a sandboxed, autoescaping Jinja2 environment over the package templates."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import PackageLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

# Pages carry personal data and tokens: never cache them, never leak the URL onwards.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=PackageLoader("cadence.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def page(
    name: str,
    *,
    status_code: int = 200,
    frame_ancestors: Sequence[str] = (),
    **context: Any,
) -> HTMLResponse:
    """An HTML response for template ``name`` with the pages' security headers.

    ``frame_ancestors``: origins allowed to embed the page (none by default).
    """
    headers = dict(_HEADERS)
    if frame_ancestors:
        del headers["X-Frame-Options"]
        allowed = " ".join(["'self'", *frame_ancestors])
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "frame-ancestors 'none'", f"frame-ancestors {allowed}"
        )
    return HTMLResponse(render(name, **context), status_code=status_code, headers=headers)
