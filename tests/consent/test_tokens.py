from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.consent.tokens import (
    MAX_TOKEN_CHARS,
    Purpose,
    TokenClaims,
    TokenError,
    TokenErrorKind,
    sign,
    verify,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
NOW = 1_700_000_000_000
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def unsub_token(**overrides: object) -> str:
    fields: dict[str, object] = {
        "key": KEY,
        "purpose": Purpose.UNSUB,
        "contact_id": 42,
        "expires_at": NOW + 1000,
        "channel": "email",
        "topic": "news",
    }
    fields.update(overrides)
    return sign(**fields)  # type: ignore[arg-type]


def failure(token: str, *, purpose: str = Purpose.UNSUB, at: int = NOW, key: bytes = KEY) -> str:
    with pytest.raises(TokenError) as caught:
        verify(key=key, token=token, purpose=purpose, at=at)
    return caught.value.kind


def test_a_token_round_trips_its_claims() -> None:
    token = unsub_token(url="https://example.com/a?b=c&d=é")
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)
    assert verify(key=KEY, token=token, purpose="unsub", at=NOW) == TokenClaims(
        purpose="unsub",
        contact_id=42,
        expires_at=NOW + 1000,
        channel="email",
        topic="news",
        url="https://example.com/a?b=c&d=é",
    )


def test_optional_claims_may_be_left_out() -> None:
    token = sign(key=KEY, purpose=Purpose.PREFS, contact_id=7, expires_at=NOW + 1)
    claims = verify(key=KEY, token=token, purpose=Purpose.PREFS, at=NOW)
    assert (claims.contact_id, claims.channel, claims.topic, claims.url) == (7, None, None, None)


def test_expiry_is_honoured() -> None:
    token = unsub_token(expires_at=NOW + 1000)
    verify(key=KEY, token=token, purpose="unsub", at=NOW + 999)
    assert failure(token, at=NOW + 1000) == TokenErrorKind.EXPIRED
    assert failure(token, at=NOW + 10**9) == TokenErrorKind.EXPIRED


def test_purpose_is_enforced() -> None:
    token = unsub_token()
    for purpose in (Purpose.PREFS, Purpose.CONFIRM, Purpose.CLICK, "UNSUB", ""):
        assert failure(token, purpose=purpose) == TokenErrorKind.WRONG_PURPOSE


def test_another_key_cannot_verify_it() -> None:
    assert failure(unsub_token(), key=OTHER_KEY) == TokenErrorKind.BAD_SIGNATURE
    assert failure(unsub_token(key=OTHER_KEY)) == TokenErrorKind.BAD_SIGNATURE


def test_previous_keys_still_verify_after_a_rotation() -> None:
    old = unsub_token(key=OTHER_KEY)
    claims = verify(key=KEY, token=old, purpose="unsub", at=NOW, previous_keys=[OTHER_KEY])
    assert claims.contact_id == 42


def test_every_single_character_change_is_refused() -> None:
    token = unsub_token(url="https://example.com/")
    for index, original in enumerate(token):
        for replacement in {*ALPHABET[:: 7 if index % 2 else 5], ".", "=", "+", "/", " "}:
            if replacement == original:
                continue
            changed = token[:index] + replacement + token[index + 1 :]
            with pytest.raises(TokenError):
                verify(key=KEY, token=changed, purpose="unsub", at=NOW)


@given(st.data())
def test_any_changed_byte_is_refused(data: st.DataObject) -> None:
    token = unsub_token(contact_id=data.draw(st.integers(1, 10**12)))
    raw = bytearray(token.encode())
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] = (raw[index] + data.draw(st.integers(1, 255))) % 256
    changed = raw.decode("latin-1")
    with pytest.raises(TokenError):
        verify(key=KEY, token=changed, purpose="unsub", at=NOW)


def test_truncated_or_extended_tokens_are_refused() -> None:
    token = unsub_token()
    for cut in (1, 2, 5, len(token) // 2):
        with pytest.raises(TokenError):
            verify(key=KEY, token=token[:-cut], purpose="unsub", at=NOW)
    for suffix in ("A", "==", ".x", "\n"):
        with pytest.raises(TokenError):
            verify(key=KEY, token=token + suffix, purpose="unsub", at=NOW)


def test_non_canonical_base64_is_malformed() -> None:
    # 32 signature bytes leave 2 unused bits in the last character; flipping them must not pass
    payload, signature = unsub_token().split(".")
    last = ALPHABET.index(signature[-1])
    twin = signature[:-1] + ALPHABET[last ^ 1]
    assert base64.urlsafe_b64decode(twin + "=") == base64.urlsafe_b64decode(signature + "=")
    assert failure(f"{payload}.{twin}") == TokenErrorKind.MALFORMED


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        "a.b.c",
        "a b.c",
        "YWJj.YWJj=",
        "YWJj.+/+/",
        "Y.YWJj",
        "x" * (MAX_TOKEN_CHARS + 1),
    ],
)
def test_malformed_tokens(token: str) -> None:
    assert failure(token) == TokenErrorKind.MALFORMED


def test_a_non_string_is_malformed() -> None:
    assert failure(b"abc.def") == TokenErrorKind.MALFORMED  # type: ignore[arg-type]


def signed_with_key(payload: bytes) -> str:
    """What only a holder of the key could make: any payload, correctly signed."""
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    mac = hmac.new(KEY, b"cadence.token.v1." + encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        json.dumps({"v": 2, "p": "unsub", "c": 1, "e": NOW + 5}).encode(),
        json.dumps({"v": 1, "p": "unsub", "c": "1", "e": NOW + 5}).encode(),
        json.dumps({"v": 1, "p": "unsub", "c": True, "e": NOW + 5}).encode(),
        json.dumps({"v": 1, "p": "unsub", "c": 1}).encode(),
        json.dumps({"v": 1, "p": "unsub", "c": 1, "e": NOW + 5, "u": 3}).encode(),
    ],
)
def test_signed_payloads_of_the_wrong_shape_are_malformed(payload: bytes) -> None:
    assert failure(signed_with_key(payload)) == TokenErrorKind.MALFORMED


def test_the_format_is_the_documented_one() -> None:
    payload = {"v": 1, "p": "unsub", "c": 42, "e": NOW + 1000, "ch": "email", "t": "news"}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    assert unsub_token() == signed_with_key(encoded)


def test_weak_keys_and_bad_purposes_are_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        sign(key=b"short", purpose="prefs", contact_id=1, expires_at=NOW)
    with pytest.raises(ValueError, match="invalid purpose"):
        sign(key=KEY, purpose="Prefs!", contact_id=1, expires_at=NOW)
    with pytest.raises(ValueError, match="integers"):
        sign(key=KEY, purpose="prefs", contact_id="1", expires_at=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 16 bytes"):
        verify(key=b"", token=unsub_token(), purpose="unsub", at=NOW)


@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies(text: str) -> None:
    with pytest.raises(TokenError):
        verify(key=KEY, token=text, purpose="unsub", at=NOW)
