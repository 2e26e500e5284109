"""Reading the scored (contact, timestamp, rule) triples out of the events table in bulk.

A rescore reads millions of events, so the rows never become SQLAlchemy rows: on
PostgreSQL the (contact, ts) pairs arrive as a binary COPY decoded by numpy in one call,
on SQLite through the driver's cursor straight into numpy. A ``where`` of string values
is decided in SQL exactly (the property must be a JSON string equal to the text); any
other ``where`` reads the properties of the rows narrowed by its string parts and lets
``matches`` decide, so SQL never changes the result, it only spares decoding.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import sqlalchemy as sa
from psycopg import sql

from cadence.db.engine import UnitOfWork
from cadence.scoring.config import ScoringRule
from cadence.scoring.rules import Event, matches

_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_]+$")
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("len1", ">i4"), ("contact", ">i8"), ("len2", ">i4"), ("ts", ">i8")]
)
_COPY_HEADER = 19  # signature (11), flags (4), header extension length (4)
FETCH = 100_000


@dataclass
class Pairs:
    """Parallel arrays: the contact, the event's timestamp and the index of the rule."""

    contact: npt.NDArray[np.int64]
    ts: npt.NDArray[np.int64]
    rule: npt.NDArray[np.int64]
    events_read: int


def read_pairs(uow: UnitOfWork, rules: Sequence[ScoringRule]) -> Pairs:
    """Every (contact, ts, rule) where the event matches the rule."""
    parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]] = []
    read = 0
    plain: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = defaultdict(list)
    for index, rule in enumerate(rules):
        exact = _exact_filters(rule)
        if exact is None:
            contact, ts, seen = _filtered_pairs(uow, rule)
            read += seen
            parts.append((contact, ts, index))
        else:
            plain[(rule.event, exact)].append(index)
    for (name, exact), indexes in sorted(plain.items()):
        contact, ts = _plain_pairs(uow, name, exact)
        read += len(contact)
        parts += [(contact, ts, i) for i in indexes]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, empty, read)
    return Pairs(
        np.concatenate([c for c, _, _ in parts]),
        np.concatenate([t for _, t, _ in parts]),
        np.concatenate([np.full(len(c), i, dtype=np.int64) for c, _, i in parts]),
        read,
    )


def _exact_filters(rule: ScoringRule) -> tuple[tuple[str, str], ...] | None:
    """The rule's ``where`` as (key, text) pairs SQL decides exactly, or None."""
    items = sorted(rule.where.items())
    if all(isinstance(v, str) and _SIMPLE_KEY.match(k) for k, v in items):
        return tuple((k, str(v)) for k, v in items)
    return None


def _where_sql(dialect: str, exact: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """SQL tests that a property is a JSON string equal to a text, and their parameters."""
    mark = "?" if dialect == "sqlite" else "%s"
    filters: list[str] = []
    params: list[str] = []
    for key, value in exact:
        if dialect == "sqlite":
            is_text = f"json_type(properties, {mark}) = 'text'"
            filters.append(f"{is_text} AND json_extract(properties, {mark}) = {mark}")
            params += [f"$.{key}", f"$.{key}", value]
        else:
            is_text = f"jsonb_typeof(properties -> {mark}) = 'string'"
            filters.append(f"{is_text} AND properties ->> {mark} = {mark}")
            params += [key, key, value]
    return filters, params


def _plain_pairs(
    uow: UnitOfWork, name: str, exact: Sequence[tuple[str, str]] = ()
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(contact ids, timestamps) of every event called ``name`` passing the exact filters."""
    filters, params = _where_sql(uow.dialect, exact)
    if uow.dialect == "postgresql":
        return _copy_pairs(uow, name, filters, params)
    cursor = uow.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    where = " AND ".join(["name = ?", *filters])
    try:
        cursor.execute(f"SELECT contact_id, ts FROM events WHERE {where}", (name, *params))  # noqa: S608
        flat = np.fromiter(itertools.chain.from_iterable(_fetched(cursor)), dtype=np.int64).reshape(
            -1, 2
        )
    finally:
        cursor.close()
    return flat[:, 0].copy(), flat[:, 1].copy()


def _fetched(cursor: Any) -> Iterator[tuple[int, int]]:
    while rows := cursor.fetchmany(FETCH):
        yield from rows


def _copy_pairs(
    uow: UnitOfWork, name: str, filters: list[str], params: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    raw = uow.conn.connection.dbapi_connection
    assert raw is not None
    buffer = bytearray()
    with raw.cursor() as cursor:  # type: ignore[attr-defined]
        # COPY takes no parameters: psycopg quotes the values as literals
        where = " AND ".join(["name = {}", *(f.replace("%s", "{}") for f in filters)])
        query = sql.SQL(
            "COPY (SELECT contact_id::bigint, ts::bigint FROM events WHERE "  # noqa: S608
            + where
            + ") "
            "TO STDOUT (FORMAT binary)"
        ).format(*(sql.Literal(value) for value in (name, *params)))
        with cursor.copy(query) as copy:
            for block in copy:
                buffer += block
    rows = np.frombuffer(bytes(buffer), dtype=_COPY_ROW, offset=_COPY_HEADER, count=_count(buffer))
    return rows["contact"].astype(np.int64), rows["ts"].astype(np.int64)


def _count(buffer: bytearray) -> int:
    """Rows in a binary COPY of two bigints: header, 26 bytes a row, a 2-byte trailer."""
    extension = int.from_bytes(buffer[15:19], "big")
    assert extension == 0, "unexpected COPY header extension"
    body = len(buffer) - _COPY_HEADER - 2
    assert body % _COPY_ROW.itemsize == 0, "unexpected COPY row layout"
    return body // _COPY_ROW.itemsize


def _filtered_pairs(
    uow: UnitOfWork, rule: ScoringRule
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
    """(contact ids, timestamps) of the events matching a rule with ``where``; rows read."""
    narrowing = [
        (k, v) for k, v in sorted(rule.where.items()) if isinstance(v, str) and _SIMPLE_KEY.match(k)
    ]
    filters, params = _where_sql(uow.dialect, narrowing)
    mark = "?" if uow.dialect == "sqlite" else "%s"
    where = " AND ".join([f"name = {mark}", *filters])
    query = f"SELECT contact_id, ts, properties FROM events WHERE {where}"  # noqa: S608
    contact: list[int] = []
    stamps: list[int] = []
    read = 0
    for cid, ts, properties in uow.conn.exec_driver_sql(query, (rule.event, *params)):
        read += 1
        if isinstance(properties, str | bytes):
            properties = orjson.loads(properties)
        if matches(rule=rule, event=Event(name=rule.event, ts=ts, properties=properties or {})):
            contact.append(cid)
            stamps.append(ts)
    return np.asarray(contact, dtype=np.int64), np.asarray(stamps, dtype=np.int64), read


@contextmanager
def copied_scores(
    uow: UnitOfWork, rows: Sequence[tuple[float, int, int, int]]
) -> Iterator[sa.TableClause]:
    """PostgreSQL: (score, as_of, band, id) rows COPYed into a temporary table, then one
    ``UPDATE ... FROM`` of the contacts whose values differ (an executemany of single-row
    UPDATEs is ~5x slower there). Yields the temporary table (its ``id`` column) for more
    statements, and drops it afterwards."""
    raw = uow.conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("DROP TABLE IF EXISTS rescored")
        cursor.execute(
            "CREATE TEMPORARY TABLE rescored "
            "(score double precision, as_of bigint, band integer, id bigint PRIMARY KEY)"
        )
        with cursor.copy("COPY rescored (score, as_of, band, id) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE rescored")
        cursor.execute(
            "UPDATE contacts SET score = r.score, score_as_of = r.as_of, band = r.band "
            "FROM rescored r WHERE contacts.id = r.id AND (contacts.score, contacts.score_as_of, "
            "contacts.band) IS DISTINCT FROM (r.score, r.as_of, r.band)"
        )
    yield sa.table("rescored", sa.column("id"))
    with raw.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("DROP TABLE rescored")
