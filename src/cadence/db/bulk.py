"""Helpers for set-based reads and writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import BigInteger, ColumnElement, type_coerce

T = TypeVar("T")

# Stay well below SQLite's bound-parameter limit whatever its build.
CHUNK = 900


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def millis(column: ColumnElement[Any]) -> ColumnElement[int]:
    """Read a Millis column as plain epoch milliseconds (no datetime conversion)."""
    return type_coerce(column, BigInteger)


def first_or_none(rows: Sequence[T]) -> T | None:
    return rows[0] if rows else None


def _placeholder(uow_dialect: str) -> str:
    return "?" if uow_dialect == "sqlite" else "%s"


def insert_many(conn: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT many rows through the driver's executemany, skipping per-value processing.

    Callers pass values already in storage form: epoch ms ints, JSON as text.
    """
    if not rows:
        return
    mark = _placeholder(conn.dialect.name)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
    conn.exec_driver_sql(sql, rows)


def update_many(
    conn: Any, table: str, columns: Sequence[str], key: str, rows: list[tuple[Any, ...]]
) -> None:
    """UPDATE rows by ``key`` (the last value of each tuple) through executemany."""
    if not rows:
        return
    mark = _placeholder(conn.dialect.name)
    assignments = ", ".join(f"{c} = {mark}" for c in columns)
    conn.exec_driver_sql(f"UPDATE {table} SET {assignments} WHERE {key} = {mark}", rows)  # noqa: S608


def upsert_many(
    conn: Any,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """INSERT rows, or UPDATE the other columns of those whose ``key`` exists (both
    databases speak ``ON CONFLICT ... DO UPDATE``), through executemany."""
    if not rows:
        return
    mark = _placeholder(conn.dialect.name)
    others = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {others}",
        rows,
    )
