"""SQL functions Cadence adds to SQLite, and their Python definitions.

Compiled conditions call these on SQLite; the Python condition evaluator calls
the very same functions, so both evaluators agree on what counts as a number,
a date or a regex match. PostgreSQL gets equivalent built-in expressions.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

# A numeric string: optional sign, digits, optional fraction. No exponent,
# no spaces, bounded length so that no database overflows converting it.
NUMERIC_PATTERN = r"^[+-]?[0-9]{1,30}(\.[0-9]{1,30})?$"

# An instant: YYYY-MM-DD, optionally THH:MM[:SS[.ffffff]] and Z or +HH:MM.
# No offset means UTC. Offsets are limited to what PostgreSQL accepts.
INSTANT_PATTERN = (
    r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):([0-5][0-9])(:([0-5][0-9])(\.([0-9]{1,6}))?)?"
    r"(Z|([+-])(0[0-9]|1[0-4]):([0-5][0-9]))?)?$"
)

# Decay exponents are clamped so no database overflows or underflows.
MAX_EXPONENT = 512.0

_NUMERIC = re.compile(NUMERIC_PATTERN)
_INSTANT = re.compile(INSTANT_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def parse_number(value: Any) -> float | None:
    """The number a numeric string stands for, else None."""
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        return float(value)
    return None


def parse_instant(value: Any) -> int | None:
    """Epoch milliseconds of an ISO date or date-time string, else None."""
    if not isinstance(value, str):
        return None
    found = _INSTANT.fullmatch(value)  # fullmatch: Python's $ allows a final newline
    if found is None:
        return None
    year, month, day = (int(found.group(i)) for i in (1, 2, 3))
    hour, minute = int(found.group(5) or 0), int(found.group(6) or 0)
    second = int(found.group(8) or 0)
    micros = int((found.group(10) or "").ljust(6, "0"))
    offset = timedelta(0)
    if found.group(12):
        sign = -1 if found.group(12) == "-" else 1
        offset = sign * timedelta(hours=int(found.group(13)), minutes=int(found.group(14)))
    try:
        moment = datetime(year, month, day, hour, minute, second, micros, timezone(offset))
    except ValueError:  # a day the month does not have
        return None
    return (moment - _EPOCH) // _MILLISECOND


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regex_search(pattern: str, value: Any) -> bool:
    """Whether a (Python-translated, portable) pattern occurs in a text value."""
    return isinstance(value, str) and _compiled(pattern).search(value) is not None


def clamped_power2(exponent: float) -> float:
    """2 ** exponent, with the exponent clamped to +-MAX_EXPONENT."""
    return math.pow(2.0, max(-MAX_EXPONENT, min(MAX_EXPONENT, exponent)))


def _regexp(pattern: Any, value: Any) -> int | None:
    if value is None or pattern is None:
        return None
    return int(regex_search(str(pattern), value))


def _power2(exponent: Any) -> float | None:
    return None if exponent is None else clamped_power2(float(exponent))


def register(dbapi_connection: Any) -> None:
    """Add REGEXP and Cadence's helper functions to a sqlite3 connection."""
    create = dbapi_connection.create_function
    create("regexp", 2, _regexp, deterministic=True)
    create("cadence_number", 1, parse_number, deterministic=True)
    create("cadence_instant", 1, parse_instant, deterministic=True)
    create("cadence_power2", 1, _power2, deterministic=True)
