"""Console pages: the shared layout's context and the console's security headers."""

from __future__ import annotations

from typing import Any, Final

from fastapi.responses import HTMLResponse

from cadence.console.models import Viewer
from cadence.web.render import render

STATIC: Final = "/static/cadence/console"
NAV: Final = (
    ("home", "Home", "/console"),
    ("contacts", "Contacts", "/console/contacts"),
    ("segments", "Segments", "/console/segments"),
    ("journeys", "Journeys", "/console/journeys"),
    ("messages", "Messages & campaigns", "/console/messages"),
    ("settings", "Settings", "/console/settings"),
)

# Scripts and styles only from our own origin (the vendored chart library included);
# chart data travels in JSON data blocks, never in inline script.
HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
}


def page(
    name: str,
    *,
    viewer: Viewer | None,
    title: str,
    section: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = render(
        f"console/{name}",
        viewer=viewer,
        title=title,
        section=section,
        nav=NAV,
        static=STATIC,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def problem(
    *, viewer: Viewer | None, title: str, text: str, back: str, status_code: int
) -> HTMLResponse:
    """A page saying what went wrong (nothing was changed) and where to go back to."""
    return page(
        "message.html",
        viewer=viewer,
        title=title,
        text=text,
        error=True,
        back=back,
        status_code=status_code,
    )


def not_found(*, viewer: Viewer, what: str, text: str, back: str) -> HTMLResponse:
    return problem(viewer=viewer, title=f"{what} not found", text=text, back=back, status_code=404)
