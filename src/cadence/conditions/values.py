"""The type semantics both evaluators share, in their Python form.

- A value is missing when its key is absent or it is JSON null.
- Text equals text exactly (case-sensitive); true/false equal only booleans.
- Numbers are compared as double-precision floats. A number matches a JSON
  number or a numeric string (`"1000"`, `"-2.5"`; no exponent, no spaces).
- Dates are compared as epoch milliseconds. A date matches an ISO string
  (`2024-01-31`, `2024-01-31T10:00:00Z`, `...+02:00`; no offset means UTC).
- `contains` finds text in text, or an equal element in a JSON array.
- `matches` searches text with a portable regular expression.
- `gt gte lt lte` with a number threshold take the value as a number, with a
  date threshold as a date; when the value is not one, the test is false.
- A missing or incomparable value makes every test false except the
  negations: `ne`, `not_in` and `not_exists` are exactly `not (eq|in|exists)`,
  so a contact without a country is `ne DE`.

The SQL compiler (sql_json.py, compile.py) implements the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cadence.conditions.models import Instant, Op, Regex, Scalar, Test
from cadence.db.sqlite_functions import parse_instant, parse_number, regex_search


@dataclass(frozen=True, slots=True)
class Moment:
    """A typed date value (a date column), as opposed to a JSON string."""

    millis: int


def value_at(document: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    """The value at a key path in nested JSON objects, or None."""
    current: Any = document
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return parse_number(value)


def as_instant(value: Any) -> int | None:
    if isinstance(value, Moment):
        return value.millis
    return parse_instant(value)


def scalar_equals(actual: Any, expected: Scalar) -> bool:
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, float):
        number = as_number(actual)
        return number is not None and number == expected
    return isinstance(actual, str) and actual == expected


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list):
        return any(scalar_equals(item, expected) for item in actual)
    return False


def _ordered(op: Op, actual: Any, threshold: Any, now_ms: int) -> bool:
    left: float | None
    right: float
    if isinstance(threshold, Instant):
        instant = as_instant(actual)
        left, right = (None if instant is None else float(instant)), float(threshold.at(now_ms))
    else:
        left, right = as_number(actual), float(threshold)
    if left is None:
        return False
    if op is Op.GT:
        return left > right
    if op is Op.GTE:
        return left >= right
    if op is Op.LT:
        return left < right
    return left <= right


def check(test: Test, actual: Any, *, now_ms: int) -> bool:
    """Whether a value passes a (positive) test; see the module docstring."""
    op, operand = test.op, test.operand
    if actual is None:
        return False
    if op is Op.EXISTS:
        return True
    if op is Op.MATCHES:
        assert isinstance(operand, Regex)
        return regex_search(operand.python, actual)
    if op is Op.IN:
        assert isinstance(operand, tuple)
        return any(scalar_equals(actual, item) for item in operand)
    assert operand is not None and not isinstance(operand, tuple | Regex)
    if op is Op.EQ:
        assert not isinstance(operand, Instant)
        return scalar_equals(actual, operand)
    if op is Op.CONTAINS:
        return _contains(actual, operand)
    return _ordered(op, actual, operand, now_ms)
