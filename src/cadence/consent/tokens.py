"""Personal signed links: purpose-bound, expiring, unforgeable tokens.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, domain "." payload_b64))``
without padding. The payload is compact JSON naming the purpose, the contact,
the expiry (epoch ms) and optionally a channel, topic and URL. It is signed,
not encrypted: whoever holds a token can read it, nobody can forge or alter
one without the key. Only the canonical base64 spelling is accepted, so every
changed character of a token is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeGuard

MAX_TOKEN_CHARS: Final = 8192
MIN_KEY_BYTES: Final = 16
_DOMAIN: Final = b"cadence.token.v1."
_VERSION: Final = 1
_PART: Final = re.compile(r"[A-Za-z0-9_-]+")
_PURPOSE: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Purpose(StrEnum):
    """The purposes Cadence signs links for (others may be added; names are lower_snake)."""

    PREFS = "prefs"  # open the preference center
    UNSUB = "unsub"  # one-click unsubscribe from a topic on a channel (RFC 8058)
    CONFIRM = "confirm"  # confirm a double opt-in request
    CLICK = "click"  # tracked redirect to a URL


class TokenErrorKind(StrEnum):
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    WRONG_PURPOSE = "wrong_purpose"


class TokenError(Exception):
    """A token that must not be honoured; ``kind`` says why."""

    def __init__(self, kind: TokenErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


@dataclass(frozen=True, kw_only=True)
class TokenClaims:
    purpose: str
    contact_id: int
    expires_at: int
    channel: str | None = None
    topic: str | None = None
    url: str | None = None


def sign(
    *,
    key: bytes,
    purpose: str,
    contact_id: int,
    expires_at: int,
    channel: str | None = None,
    topic: str | None = None,
    url: str | None = None,
) -> str:
    """A URL-safe token for ``purpose`` that ``verify`` accepts until ``expires_at`` (epoch ms)."""
    _check_key(key)
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError(f"invalid purpose {purpose!r}")
    if not (_is_int(contact_id) and _is_int(expires_at)):
        raise ValueError("contact_id and expires_at must be integers")
    payload: dict[str, object] = {"v": _VERSION, "p": purpose, "c": contact_id, "e": expires_at}
    for name, value in (("ch", channel), ("t", topic), ("u", url)):
        if value is not None:
            payload[name] = value
    encoded = _encode(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    return f"{encoded}.{_encode(_mac(key, encoded))}"


def verify(
    *,
    key: bytes,
    token: str,
    purpose: str,
    at: int,
    previous_keys: Sequence[bytes] = (),
) -> TokenClaims:
    """The claims of a genuine, unexpired token for ``purpose``; raise TokenError otherwise.

    ``previous_keys`` are still accepted after a key rotation, until their tokens expire.
    """
    _check_key(key)
    encoded, signature = _split(token)
    expected = [_mac(candidate, encoded) for candidate in (key, *previous_keys)]
    # compare against every key, so the time taken does not reveal which one matched
    matches = [hmac.compare_digest(mac, signature) for mac in expected]
    if not any(matches):
        raise TokenError(TokenErrorKind.BAD_SIGNATURE, "the signature does not match")
    claims = _claims(_decode(encoded))
    if claims.purpose != purpose:
        raise TokenError(
            TokenErrorKind.WRONG_PURPOSE, f"made for {claims.purpose!r}, not {purpose!r}"
        )
    if at >= claims.expires_at:
        raise TokenError(TokenErrorKind.EXPIRED, f"expired at {claims.expires_at}")
    return claims


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the signing key must be at least {MIN_KEY_BYTES} bytes")


def _mac(key: bytes, encoded_payload: str) -> bytes:
    return hmac.new(key, _DOMAIN + encoded_payload.encode(), hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(part: str) -> bytes:
    """Bytes of a canonical unpadded base64url string; anything else is malformed."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(TokenErrorKind.MALFORMED, "not base64url") from None
    if _encode(data) != part:
        raise TokenError(TokenErrorKind.MALFORMED, "not canonical base64url")
    return data


def _split(token: object) -> tuple[str, bytes]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise TokenError(TokenErrorKind.MALFORMED, "not a token")
    parts = token.split(".")
    if len(parts) != 2 or not all(_PART.fullmatch(part) for part in parts):
        raise TokenError(TokenErrorKind.MALFORMED, "expected two base64url parts")
    encoded, signature = parts
    _decode(encoded)
    return encoded, _decode(signature)


def _claims(payload: bytes) -> TokenClaims:
    try:
        document = json.loads(payload)
    except ValueError:
        raise TokenError(TokenErrorKind.MALFORMED, "payload is not JSON") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise TokenError(TokenErrorKind.MALFORMED, "unknown payload version")
    purpose, contact_id, expires_at = document.get("p"), document.get("c"), document.get("e")
    if not (isinstance(purpose, str) and _is_int(contact_id) and _is_int(expires_at)):
        raise TokenError(TokenErrorKind.MALFORMED, "unexpected payload fields")
    return TokenClaims(
        purpose=purpose,
        contact_id=contact_id,
        expires_at=expires_at,
        channel=_optional_str(document.get("ch")),
        topic=_optional_str(document.get("t")),
        url=_optional_str(document.get("u")),
    )


def _optional_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TokenError(TokenErrorKind.MALFORMED, "unexpected payload fields")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
