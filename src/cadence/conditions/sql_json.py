"""JSON values in SQL, per dialect, with the type semantics of values.py.

A JsonValue is one value inside a JSON document (a trait, an account trait,
an event property, an array element), possibly missing. Every predicate
below may yield SQL NULL where values.py says False; compile.py makes the
negations two-valued, so NULL never leaks into a `not`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from cadence.db.sqlite_functions import INSTANT_PATTERN, NUMERIC_PATTERN

Bool = ColumnElement[bool]
_OFFSET_AT_END = "(Z|[+-][0-9]{2}:[0-9]{2})$"


class JsonValue(Protocol):
    def is_set(self) -> Bool: ...
    def text_in(self, values: Sequence[str]) -> Bool: ...
    def bool_is(self, value: bool) -> Bool: ...
    def number(self) -> ColumnElement[float]: ...
    def instant(self) -> ColumnElement[int]: ...
    def matches(self, pattern: str) -> Bool: ...
    def text_contains(self, value: str) -> Bool: ...
    def any_element(self, test: Callable[[JsonValue], Bool]) -> Bool: ...


def sqlite_path(keys: Sequence[str]) -> str:
    return "$" + "".join(f'."{key}"' for key in keys)


@dataclass(frozen=True, slots=True)
class SqliteJson:
    """`kind` is json_type() ('text', 'integer', 'real', 'true', ...), `value` the SQL value."""

    kind: ColumnElement[Any]
    value: ColumnElement[Any]
    document: ColumnElement[Any] | None = None
    path: str = "$"

    @classmethod
    def at(cls, document: ColumnElement[Any], keys: Sequence[str]) -> SqliteJson:
        path = sqlite_path(keys)
        kind = sa.func.json_type(document, path)
        return cls(kind, sa.func.json_extract(document, path), document, path)

    def is_set(self) -> Bool:
        return self.kind != "null"

    def text_in(self, values: Sequence[str]) -> Bool:
        return sa.and_(self.kind == "text", self.value.in_(values))

    def bool_is(self, value: bool) -> Bool:
        return self.kind == ("true" if value else "false")

    def number(self) -> ColumnElement[float]:
        return sa.case(
            (self.kind.in_(("integer", "real")), sa.cast(self.value, sa.Float())),
            (self.kind == "text", sa.func.cadence_number(self.value)),
        )

    def instant(self) -> ColumnElement[int]:
        return sa.case((self.kind == "text", sa.func.cadence_instant(self.value)))

    def matches(self, pattern: str) -> Bool:
        return sa.and_(self.kind == "text", self.value.op("REGEXP")(pattern))

    def text_contains(self, value: str) -> Bool:
        return sa.and_(self.kind == "text", sa.func.instr(self.value, value) > 0)

    def any_element(self, test: Callable[[JsonValue], Bool]) -> Bool:
        if self.document is None:
            return sa.false()
        items = sa.func.json_each(self.document, self.path).table_valued("type", "value")
        element = SqliteJson(items.c.type, items.c.value)
        found = (
            sa.select(sa.literal(1))
            .select_from(items)
            .where(test(element))
            .correlate_except(items)
            .exists()
        )
        return sa.and_(self.kind == "array", found)


@dataclass(frozen=True, slots=True)
class PgJson:
    """A jsonb value, SQL NULL when missing."""

    node: ColumnElement[Any]

    @classmethod
    def at(cls, document: ColumnElement[Any], keys: Sequence[str]) -> PgJson:
        node = document
        for key in keys:
            node = node.op("->", return_type=JSONB())(sa.literal(key, sa.Text()))
        return cls(node)

    @property
    def kind(self) -> ColumnElement[str]:
        return sa.func.jsonb_typeof(self.node)

    @property
    def text(self) -> ColumnElement[str]:
        return self.node.op("#>>", return_type=sa.Text())(sa.literal_column("'{}'"))

    def is_set(self) -> Bool:
        return self.kind != "null"

    def text_in(self, values: Sequence[str]) -> Bool:
        return self.node.in_([sa.literal(value, JSONB()) for value in values])

    def bool_is(self, value: bool) -> Bool:
        return self.node == sa.literal(value, JSONB())

    def number(self) -> ColumnElement[float]:
        as_float = sa.cast(self.text, sa.Float())
        numeric_text = sa.and_(self.kind == "string", self.text.op("~")(NUMERIC_PATTERN))
        return sa.case((self.kind == "number", as_float), (numeric_text, as_float))

    def instant(self) -> ColumnElement[int]:
        text = self.text
        is_instant = sa.and_(self.kind == "string", text.op("~")(INSTANT_PATTERN))
        return sa.case((is_instant, _pg_instant(text)))

    def matches(self, pattern: str) -> Bool:
        return sa.and_(self.kind == "string", self.text.op("~")(pattern))

    def text_contains(self, value: str) -> Bool:
        return sa.and_(self.kind == "string", sa.func.strpos(self.text, value) > 0)

    def any_element(self, test: Callable[[JsonValue], Bool]) -> Bool:
        array = sa.case((self.kind == "array", self.node))
        items = sa.func.jsonb_array_elements(array).table_valued("value")
        element = PgJson(sa.type_coerce(items.c.value, JSONB()))
        return (
            sa.select(sa.literal(1))
            .select_from(items)
            .where(test(element))
            .correlate_except(items)
            .exists()
        )


def _pg_instant(text: ColumnElement[str]) -> ColumnElement[int]:
    """Epoch ms of a string known to match INSTANT_PATTERN; NULL for a day the month lacks."""
    year = sa.cast(sa.func.substr(text, 1, 4), sa.Integer())
    month = sa.cast(sa.func.substr(text, 6, 2), sa.Integer())
    day = sa.cast(sa.func.substr(text, 9, 2), sa.Integer())
    leap = sa.or_(sa.and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    month_days = sa.case(
        (month.in_((4, 6, 9, 11)), 30),
        (month == 2, sa.case((leap, 29), else_=28)),
        else_=31,
    )
    utc_text = sa.case(
        (sa.func.length(text) == 10, text + "T00:00:00Z"),
        (text.op("~")(_OFFSET_AT_END), text),
        else_=text + "Z",
    )
    moment = sa.cast(utc_text, sa.TIMESTAMP(timezone=True))
    millis = sa.func.floor(sa.extract("epoch", moment) * 1000)
    return sa.case((day <= month_days, sa.cast(millis, sa.BigInteger())))


@dataclass(frozen=True, slots=True)
class OrderItems:
    """The products[] entries of an order event, as a table to join, and their attributes."""

    table: Any
    is_array: Bool
    attribute: Callable[[str], JsonValue]


def order_items(dialect: str, properties: ColumnElement[Any]) -> OrderItems:
    if dialect == "sqlite":
        path = sqlite_path(("products",))
        table = sa.func.json_each(properties, path).table_valued("type", "value")
        is_object = table.c.type == "object"

        def sqlite_attribute(key: str) -> JsonValue:
            key_path = sqlite_path((key,))
            kind = sa.case((is_object, sa.func.json_type(table.c.value, key_path)))
            return SqliteJson(
                kind, sa.case((is_object, sa.func.json_extract(table.c.value, key_path)))
            )

        return OrderItems(table, sa.func.json_type(properties, path) == "array", sqlite_attribute)
    products = PgJson.at(properties, ("products",))
    array = sa.case((products.kind == "array", products.node))
    table = sa.func.jsonb_array_elements(array).table_valued("value")
    item = sa.type_coerce(table.c.value, JSONB())
    return OrderItems(table, sa.true(), lambda key: PgJson.at(item, (key,)))
