"""Deterministic identifiers and timestamps for demo messages.

Ids are bijections of (seed, index) so they are unique by construction, look opaque like
real CRM ids, and stay the same when the same data set is generated again: loading the demo
twice is idempotent because the ingestion deduplicates by ``messageId``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta

_MASK48 = (1 << 48) - 1
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cadence.example/demo")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VARIANT = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}


def seeded(key: str) -> random.Random:
    """A generator seeded from ``key`` (a string, so seeds are stable across runs)."""
    return random.Random(key)  # noqa: S311 -- reproducible demo data, not security


def _mix48(value: int) -> int:
    """A bijection of 48-bit integers (xor-shifts and odd multipliers) that scatters bits."""
    value ^= value >> 23
    value = (value * 0x9E3779B97F4B) & _MASK48
    value ^= value >> 21
    value = (value * 0xC2B2AE3D27D5) & _MASK48
    return value ^ (value >> 24)


def _scramble(*, seed: int, index: int, salt: int) -> int:
    """``index`` mixed under a key drawn from (seed, salt): unique per index, unrelated
    across salts, so a contact's CRM id and product id share no visible pattern."""
    key = _mix48((seed * 0x2545F4914F6D + salt * 0x5851F42D4C95) & _MASK48)
    return _mix48((index + 1 + key) & _MASK48)


def user_id(*, seed: int, contact: int) -> str:
    """The CRM id the marketing site identifies a contact with."""
    return f"u_{_scramble(seed=seed, index=contact, salt=1):012x}"


def app_user_id(*, seed: int, contact: int) -> str:
    """The id the product assigns at sign-up (joined to the CRM id by ``alias``)."""
    return f"app_{_scramble(seed=seed, index=contact, salt=2):012x}"


def group_id(*, seed: int, account: int) -> str:
    return f"acct_{_scramble(seed=seed, index=account, salt=3):012x}"


def order_id(*, seed: int, contact: int, order: int) -> str:
    return f"ord_{_scramble(seed=seed, index=contact * 64 + order, salt=4):012x}"


def anonymous_id(*, seed: int, visitor: str, device: int) -> str:
    """A browser's anonymous id, shaped like the UUIDs analytics.js stores in a cookie."""
    return str(uuid.uuid5(_NAMESPACE, f"anon:{seed}:{visitor}:{device}"))


def message_id(*, seed: int, visitor: str, seq: int) -> str:
    """The ``seq``-th message id of a visitor, laid out like a version 4 UUID.

    A BLAKE2 hash is several times cheaper than ``uuid5``, which matters when millions of
    messages are generated; 122 hashed bits make a collision practically impossible.
    """
    h = hashlib.blake2b(f"{seed}:{visitor}:{seq}".encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware `now`")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def iso_millis(millis: int) -> str:
    """ISO 8601 in UTC with milliseconds, exactly as analytics-python formats timestamps."""
    return (_EPOCH + timedelta(milliseconds=millis)).isoformat(timespec="milliseconds")
