"""``column IN values`` as ONE bound parameter, whatever the number of values.

An ``IN`` list is rendered afresh for every execution, a placeholder per value, chunked
under SQLite's parameter limit, and psycopg parses every statement's text in Python: on
the batch paths (ingestion's lead and segment stages, the send path) that rendering and
parsing cost as much as the queries. So the values travel as one value: an array on
PostgreSQL (``= ANY(:array)``, bigint or text after the column), a JSON array on SQLite
(``IN (SELECT value FROM json_each(:json))``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine


def array_of(kind: TypeEngine[Any]) -> ARRAY[Any]:
    """The PostgreSQL array type for values of a column of type ``kind``."""
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return ARRAY(BigInteger) if isinstance(kind, Integer) else ARRAY(Text)


def among(
    column: ColumnElement[Any], values: Iterable[Any], *, dialect: str
) -> ColumnElement[bool]:
    """``column IN values`` (ids or text keys) with the values as one parameter."""
    listed = list(values)
    if dialect == "postgresql":
        return column == any_(bindparam(None, listed, type_=array_of(column.type), unique=True))
    encoded = bindparam(None, orjson.dumps(listed).decode(), type_=Text, unique=True)
    each = func.json_each(encoded).table_valued("value")
    return column.in_(select(each.c.value))
