"""Open and click tracking: signed tokens and the rewriting of a message's HTML.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, kind "." payload)[:16])``.
An open token's payload is the send id; a click token's is ``send_id "\\n" url``: it binds
the URL to the send, and since only URLs found in the message are ever signed, the redirect
can only lead where the message itself led. Tokens do not expire: a link in a years-old
message still works (and still only goes to its own URL).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from html import escape, unescape
from typing import Final

OPEN_PATH: Final = "/t/o/"
CLICK_PATH: Final = "/t/c/"
_DERIVATION: Final = b"cadence.tracking.v1:"
_MAC_BYTES: Final = 16
_MAX_TOKEN: Final = 8192
_PART: Final = re.compile(r"[A-Za-z0-9_-]+")
_HREF: Final = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_BODY_OPEN: Final = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE: Final = re.compile(r"</body\s*>", re.IGNORECASE)


def tracking_key(*, secret: str) -> bytes:
    """The tracking key, derived from the app secret (never the secret itself)."""
    return hashlib.sha256(_DERIVATION + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(part: str) -> bytes | None:
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == part else None  # only the canonical spelling


def _mac(key: bytes, kind: bytes, payload: bytes) -> bytes:
    return hmac.new(key, kind + b"." + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _sign(key: bytes, kind: bytes, payload: bytes) -> str:
    return f"{_b64(payload)}.{_b64(_mac(key, kind, payload))}"


def _verify(key: bytes, kind: bytes, token: str) -> bytes | None:
    if len(token) > _MAX_TOKEN:
        return None
    parts = token.split(".")
    if len(parts) != 2 or not all(_PART.fullmatch(p) for p in parts):
        return None
    payload, mac = _unb64(parts[0]), _unb64(parts[1])
    if payload is None or mac is None:
        return None
    return payload if hmac.compare_digest(_mac(key, kind, payload), mac) else None


def open_token(*, key: bytes, send_id: int) -> str:
    return _sign(key, b"o", str(send_id).encode())


def click_token(*, key: bytes, send_id: int, url: str) -> str:
    return _sign(key, b"c", f"{send_id}\n{url}".encode())


def read_open(*, key: bytes, token: str) -> int | None:
    """The send id of a genuine open token; None for anything else."""
    payload = _verify(key, b"o", token)
    return int(payload) if payload is not None and payload.isdigit() else None


@dataclass(frozen=True, slots=True)
class Click:
    send_id: int
    url: str


def read_click(*, key: bytes, token: str) -> Click | None:
    """The send and URL of a genuine click token; None for anything else."""
    payload = _verify(key, b"c", token)
    if payload is None:
        return None
    send, _, url = payload.decode("utf-8", "replace").partition("\n")
    if not send.isdigit() or not url.startswith(("http://", "https://")):
        return None
    return Click(send_id=int(send), url=url)


@dataclass(frozen=True, kw_only=True)
class Tracker:
    """Rewrites one message's HTML: links through ``/t/c/``, a pixel at ``/t/o/``."""

    key: bytes
    base_url: str  # no trailing slash

    def rewrite(self, html: str, *, send_id: int, keep: frozenset[str] = frozenset()) -> str:
        """Track every http(s) link except those in ``keep`` (the personal links), add a pixel."""

        def link(match: re.Match[str]) -> str:
            url = unescape(match.group(3)).strip()
            if not url.startswith(("http://", "https://")) or url in keep:
                return match.group(0)
            token = click_token(key=self.key, send_id=send_id, url=url)
            quote = match.group(2)
            return f"{match.group(1)}{quote}{self.base_url}{CLICK_PATH}{token}{quote}"

        tracked = _HREF.sub(link, html)
        pixel_url = f"{self.base_url}{OPEN_PATH}{open_token(key=self.key, send_id=send_id)}"
        pixel = (
            f'<img src="{escape(pixel_url)}" width="1" height="1" alt="" '
            'style="display:block;border:0;width:1px;height:1px">'
        )
        closing = _BODY_CLOSE.search(tracked)
        if closing is None:
            return tracked + pixel
        return tracked[: closing.start()] + pixel + tracked[closing.start() :]


def with_preheader(html: str, preheader: str | None) -> str:
    """Put the preheader first in the body as hidden text (what inbox previews show)."""
    if not preheader:
        return html
    hidden = (
        '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">'
        f"{escape(preheader)}</div>"
    )
    opening = _BODY_OPEN.search(html)
    if opening is None:
        return hidden + html
    return html[: opening.end()] + hidden + html[opening.end() :]
