"""Set-based writes for the runner's batches: one statement per table on PostgreSQL
(``unnest`` of typed arrays), executemany on SQLite (in-process, already cheap).

Column names and types come from the code, never from input; values are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from cadence.db.bulk import insert_many, update_many


def _arrays(columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(len(columns))]


def insert_rows(
    conn: Connection, table: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT rows; ``columns`` are (name, PostgreSQL type) pairs."""
    if not rows:
        return
    names = [name for name, _ in columns]
    if conn.dialect.name != "postgresql":
        insert_many(conn, table, names, rows)
        return
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays})"  # noqa: S608
    conn.exec_driver_sql(sql, tuple(_arrays(columns, rows)))


def update_rows(
    conn: Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    key: tuple[str, str],
    rows: list[tuple[Any, ...]],
) -> None:
    """UPDATE rows by ``key`` (the last value of each tuple), one statement on PostgreSQL."""
    if not rows:
        return
    names = [name for name, _ in columns]
    if conn.dialect.name != "postgresql":
        update_many(conn, table, names, key[0], rows)
        return
    every = [*columns, key]
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in every)
    labels = ", ".join(f"v_{name}" for name, _ in every)
    sets = ", ".join(
        f"{name} = v_{name}::jsonb" if kind == "jsonb" else f"{name} = v_{name}"
        for name, kind in columns
    )
    sql = (
        f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({labels}) "  # noqa: S608
        f"WHERE {table}.{key[0]} = v_{key[0]}"
    )
    conn.exec_driver_sql(sql, tuple(_arrays(every, rows)))


def among(column: ColumnElement[Any], ids: Sequence[int], *, dialect: str) -> ColumnElement[bool]:
    """``column IN ids``: one array parameter on PostgreSQL (no per-value expansion)."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
    return column.in_(list(ids))
