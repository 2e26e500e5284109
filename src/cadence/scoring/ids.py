"""``column IN ids`` as ONE parameter, for the lead stage's per-batch queries.

An ``IN`` list is rendered afresh for every execution, a placeholder per id, in chunks
under SQLite's parameter limit; on the ingestion path that rendering cost as much as the
queries. Here the ids travel as one value: a bigint array on PostgreSQL (``= ANY``), a
JSON array on SQLite (``IN (SELECT value FROM json_each(...))``), in one statement
whatever their number.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson
from sqlalchemy import BigInteger, ColumnElement, Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def among(column: ColumnElement[Any], ids: Collection[int], *, dialect: str) -> ColumnElement[bool]:
    """``column IN ids`` with the ids as one parameter."""
    values = sorted(ids)
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(BigInteger), unique=True))
    listed = bindparam(None, orjson.dumps(values).decode(), type_=Text, unique=True)
    each = func.json_each(listed).table_valued("value")
    return column.in_(select(each.c.value))
