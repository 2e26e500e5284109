"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Dialect, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


def to_millis(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive ones are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class Millis(TypeDecorator[datetime]):
    """A UTC instant stored as epoch milliseconds.

    Integers sort and compare the same way on SQLite and PostgreSQL, window
    arithmetic in compiled conditions is plain addition, and bulk reads for
    scoring can skip conversion entirely.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if isinstance(value, datetime):
            return to_millis(value)
        raise TypeError(f"expected datetime or epoch milliseconds, got {type(value).__name__}")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_millis(int(value))
