"""One test (operator and operand) as SQL, over a JSON value or a typed column."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from cadence.conditions.fields import SqlEnv
from cadence.conditions.models import Instant, Op, Regex, Scalar, Test
from cadence.conditions.sql_json import Bool, JsonValue


def _compare(op: Op, left: ColumnElement[Any], right: ColumnElement[Any]) -> Bool:
    if op is Op.GT:
        return left > right
    if op is Op.GTE:
        return left >= right
    if op is Op.LT:
        return left < right
    return left <= right


def _threshold(operand: Any, env: SqlEnv) -> ColumnElement[Any]:
    if isinstance(operand, Instant):
        return sa.literal(operand.at(env.now_ms), sa.BigInteger())
    return sa.literal(float(operand), sa.Float())


def _pattern(operand: Any, env: SqlEnv) -> str:
    assert isinstance(operand, Regex)
    return operand.python if env.dialect == "sqlite" else operand.postgres


def scalar_equals(value: JsonValue, expected: Scalar) -> Bool:
    if isinstance(expected, bool):
        return value.bool_is(expected)
    if isinstance(expected, float):
        return value.number() == sa.literal(expected, sa.Float())
    return value.text_in([expected])


def _one_of(value: JsonValue, expected: tuple[Scalar, ...]) -> Bool:
    texts = [item for item in expected if isinstance(item, str)]
    numbers = [item for item in expected if isinstance(item, float) and not isinstance(item, bool)]
    flags = {item for item in expected if isinstance(item, bool)}
    parts = [value.bool_is(flag) for flag in sorted(flags)]
    if texts:
        parts.append(value.text_in(texts))
    if numbers:
        parts.append(value.number().in_([sa.literal(n, sa.Float()) for n in numbers]))
    return sa.or_(*parts)


def _contains(value: JsonValue, expected: Any) -> Bool:
    in_array = value.any_element(lambda element: scalar_equals(element, expected))
    if isinstance(expected, str):
        return sa.or_(value.text_contains(expected), in_array)
    return in_array


def json_test(test: Test, value: JsonValue, env: SqlEnv) -> Bool:
    """A positive test on a JSON value, with the semantics of values.check."""
    op, operand = test.op, test.operand
    if op is Op.EXISTS:
        return value.is_set()
    if op is Op.EQ:
        assert isinstance(operand, str | float | bool)
        return scalar_equals(value, operand)
    if op is Op.IN:
        assert isinstance(operand, tuple)
        return _one_of(value, operand)
    if op is Op.CONTAINS:
        return _contains(value, operand)
    if op is Op.MATCHES:
        return value.matches(_pattern(operand, env))
    left = value.instant() if isinstance(operand, Instant) else value.number()
    return _compare(op, left, _threshold(operand, env))


def typed_test(test: Test, column: ColumnElement[Any], env: SqlEnv) -> Bool:
    """A positive test on a registered field (a number, text or epoch-ms column)."""
    op, operand = test.op, test.operand
    if op is Op.EXISTS:
        return column.is_not(None)
    if op is Op.EQ:
        return column == _literal(operand)
    if op is Op.IN:
        assert isinstance(operand, tuple)
        return column.in_([_literal(item) for item in operand])
    if op is Op.CONTAINS:
        position = sa.func.instr if env.dialect == "sqlite" else sa.func.strpos
        return position(column, operand) > 0
    if op is Op.MATCHES:
        return column.op("REGEXP" if env.dialect == "sqlite" else "~")(_pattern(operand, env))
    return _compare(op, column, _threshold(operand, env))


def _literal(value: Any) -> ColumnElement[Any]:
    if isinstance(value, float):
        return sa.literal(value, sa.Float())
    return sa.literal(value, sa.Text())
