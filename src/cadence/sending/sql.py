"""Statements for the send path's batches that stay cheap on PostgreSQL.

psycopg converts the placeholders of every statement by parsing its text in Python, and
keeps the result only for short statements: a 500-value ``IN (...)`` list or a 500-row
``VALUES`` list was parsed afresh each time, and that parsing was about half the CPU of
enqueuing a campaign chunk. So a list of ids or keys is one parameter (``among``, from
``cadence.db.params``) and, on PostgreSQL, a batch of rows is inserted from ``unnest`` of
one array per column; SQLite (in-process, already cheap) gets a plain multi-row insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    func,
    insert,
    select,
)

from cadence.db import params
from cadence.db.engine import UnitOfWork


def among(
    uow: UnitOfWork, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """``column IN values`` as one parameter (see ``cadence.db.params``)."""
    return params.among(column, values, dialect=uow.dialect)


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
                bindparam(
                    None, [r[n] for r in rows], type_=params.array_of(table.c[n].type), unique=True
                )
            )
            for n in names
        ]
        statement = insert(table).from_select(names, select(*arrays)).returning(*back)
        found = uow.conn.execute(statement).all()
    return {r[0]: r[1] for r in found}
