"""Opaque pagination cursors."""

from __future__ import annotations

import base64
import binascii

from cadence.errors import FieldError, InputError


def encode(*parts: int) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, parts)).encode()).decode().rstrip("=")


def decode(cursor: str | None, size: int) -> tuple[int, ...] | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = tuple(int(p) for p in text.split(":"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        parts = ()
    if len(parts) != size:
        raise InputError([FieldError("cursor", "not a cursor this API returned")])
    return parts
