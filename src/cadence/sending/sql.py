"""Statements for the send path's batches that stay cheap on PostgreSQL.

psycopg converts the placeholders of every statement by parsing its text in Python, and
keeps the result only for short statements: a 500-value ``IN (...)`` list or a 500-row
``VALUES`` list was parsed afresh each time, and that parsing was about half the CPU of
enqueuing a campaign chunk. So on PostgreSQL a list of ids or keys is one array parameter
(``= ANY(:array)``) and a batch of rows is inserted from ``unnest`` of one array per
column; SQLite (in-process, already cheap) gets the plain forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from cadence.db.engine import UnitOfWork


def _array(kind: TypeEngine[Any]) -> ARRAY[Any]:
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return ARRAY(BigInteger) if isinstance(kind, Integer) else ARRAY(Text)


def among(
    uow: UnitOfWork, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """``column IN values``: one array parameter on PostgreSQL."""
    if uow.dialect != "postgresql":
        return column.in_(list(values))
    array = bindparam(None, list(values), type_=_array(column.type), unique=True)
    return column == any_(array)


def insert_returning(
    uow: UnitOfWork,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    returning: str = "id",
) -> dict[Any, Any]:
    """Insert ``rows`` (all with the same columns); each row's ``returning`` column by its
    ``key`` column, whose values must be distinct."""
    if not rows:
        return {}
    back = (table.c[key], table.c[returning])
    if uow.dialect != "postgresql":
        statement = insert(table).returning(*back, sort_by_parameter_order=True)
        found: Sequence[Any] = uow.conn.execute(statement, list(rows)).all()
    else:
        names = list(rows[0])
        arrays = [
            func.unnest(
                bindparam(None, [r[n] for r in rows], type_=_array(table.c[n].type), unique=True)
            )
            for n in names
        ]
        statement = insert(table).from_select(names, select(*arrays)).returning(*back)
        found = uow.conn.execute(statement).all()
    return {r[0]: r[1] for r in found}
