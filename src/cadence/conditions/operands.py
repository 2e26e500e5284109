"""Parsing the right-hand side of a test (`value:`) for each operator and field kind."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cadence.conditions.errors import ConditionError, join_path
from cadence.conditions.fields import Kind
from cadence.conditions.models import DAY_MS, NEGATIONS, ORDERING, Instant, Op, Operand, Scalar
from cadence.conditions.regex import RegexError, translate_regex
from cadence.db.sqlite_functions import parse_instant

MAX_LIST = 1000
_RELATIVE = re.compile(r"^([+-]?)([0-9]{1,6})([hdw])$")
_UNIT_MS = {"h": 3_600_000, "d": DAY_MS, "w": 7 * DAY_MS}
_DATE_HINT = "an ISO date like 2024-01-31, a date-time like 2024-01-31T09:00:00Z, or -30d"

# Which operators each kind of field accepts; None is a JSON trait or property.
OPS_BY_KIND: dict[Kind | None, tuple[Op, ...]] = {
    None: tuple(Op),
    Kind.NUMBER: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, *sorted(ORDERING), Op.EXISTS, Op.NOT_EXISTS),
    Kind.TEXT: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.CONTAINS, Op.MATCHES, Op.EXISTS, Op.NOT_EXISTS),
    Kind.DATE: (*sorted(ORDERING), Op.EXISTS, Op.NOT_EXISTS),
}


@dataclass
class Problems:
    """Errors collected while parsing, so one pass reports all of them."""

    errors: list[ConditionError] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append(ConditionError(path=path, message=message))


def describe_kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def parse_number(raw: Any, path: str, problems: Problems) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.add(path, f"expected a number, got {describe_kind(raw)}")
        return None
    if not math.isfinite(raw):
        problems.add(path, "expected a finite number")
        return None
    return float(raw)


def parse_instant_value(raw: Any, path: str, problems: Problems) -> Instant | None:
    """An absolute date (ISO text, or a YAML date) or a relative one (-30d, +2w, -12h, now)."""
    if isinstance(raw, date):  # YAML turns 2024-01-31 into a date; datetime is a date too
        raw = raw.isoformat()
    if isinstance(raw, str):
        if raw == "now":
            return Instant(0, relative=True)
        found = _RELATIVE.fullmatch(raw)
        if found:
            sign = -1 if found.group(1) == "-" else 1
            return Instant(sign * int(found.group(2)) * _UNIT_MS[found.group(3)], relative=True)
        millis = parse_instant(raw)
        if millis is not None:
            return Instant(millis)
    problems.add(path, f"expected a date: {_DATE_HINT}")
    return None


def is_date_like(raw: Any) -> bool:
    if isinstance(raw, date | datetime):
        return True
    return isinstance(raw, str) and (
        raw == "now" or bool(_RELATIVE.fullmatch(raw)) or parse_instant(raw) is not None
    )


def parse_scalar(raw: Any, kind: Kind | None, path: str, problems: Problems) -> Scalar | None:
    """A value to compare for equality: text, a number or true/false as the field allows."""
    if kind is Kind.NUMBER:
        return parse_number(raw, path, problems)
    if kind is Kind.TEXT:
        if isinstance(raw, str):
            return raw
        problems.add(path, f"expected text, got {describe_kind(raw)}")
        return None
    if isinstance(raw, bool | str):
        return raw
    if isinstance(raw, int | float):
        return parse_number(raw, path, problems)
    hint = " (compare dates with gt, gte, lt or lte)" if isinstance(raw, date) else ""
    problems.add(path, f"expected text, a number or true/false, got {describe_kind(raw)}{hint}")
    return None


def _parse_list(raw: Any, kind: Kind | None, path: str, problems: Problems) -> Operand:
    if not isinstance(raw, list) or not raw:
        problems.add(path, f"expected a non-empty list, got {describe_kind(raw)}")
        return None
    if len(raw) > MAX_LIST:
        problems.add(path, f"lists are limited to {MAX_LIST} values")
        return None
    before = len(problems.errors)
    items = [parse_scalar(item, kind, join_path(path, i), problems) for i, item in enumerate(raw)]
    if len(problems.errors) > before:
        return None
    return tuple(item for item in items if item is not None)


def _parse_ordering(raw: Any, kind: Kind | None, path: str, problems: Problems) -> Operand:
    if kind is Kind.NUMBER:
        return parse_number(raw, path, problems)
    if kind is Kind.DATE or is_date_like(raw):
        return parse_instant_value(raw, path, problems)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return parse_number(raw, path, problems)
    problems.add(path, f"expected a number or a date ({_DATE_HINT})")
    return None


def _parse_regex(raw: Any, path: str, problems: Problems) -> Operand:
    if not isinstance(raw, str):
        problems.add(path, f"expected a regular expression as text, got {describe_kind(raw)}")
        return None
    try:
        return translate_regex(raw)
    except RegexError as error:
        problems.add(path, f"unsupported regular expression: {error}")
        return None


def parse_operand(op: Op, raw: Any, kind: Kind | None, path: str, problems: Problems) -> Operand:
    """The operand for `op`; records a problem and returns None when it is unusable."""
    positive = NEGATIONS.get(op, op)
    if positive in (Op.EQ, Op.CONTAINS):
        return parse_scalar(raw, kind, path, problems)
    if positive is Op.IN:
        return _parse_list(raw, kind, path, problems)
    if positive is Op.MATCHES:
        return _parse_regex(raw, path, problems)
    if positive in ORDERING:
        return _parse_ordering(raw, kind, path, problems)
    return None


def reject_extra_keys(
    raw: Mapping[Any, Any], allowed: tuple[str, ...], path: str, problems: Problems
) -> None:
    for key in raw:
        if key not in allowed:
            problems.add(
                join_path(path, str(key)),
                f"unknown key {key!r} here; expected {', '.join(allowed)}",
            )


def check_key_path(name: str, path: str, problems: Problems) -> tuple[str, ...] | None:
    """Split `a.b` into JSON keys, refusing characters that JSON paths would misread."""
    parts = tuple(name.split("."))
    for part in parts:
        if not part or len(part) > 128 or any(c in part for c in '"\\') or not part.isprintable():
            problems.add(path, f"{name!r} is not a valid name (dots separate keys; no quotes)")
            return None
    return parts
