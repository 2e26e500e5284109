"""Reading the scored (contact, timestamp, rule) triples out of the events table in bulk.

A rescore reads millions of events, so the rows never become SQLAlchemy rows: on
PostgreSQL the (contact, ts) pairs arrive as two aggregated arrays read by numpy in place,
on SQLite through the driver's cursor straight into numpy. A ``where`` of string values
is decided in SQL exactly (the property must be a JSON string equal to the text); any
other ``where`` reads the properties of the rows narrowed by its string parts and lets
``matches`` decide, so SQL never changes the result, it only spares decoding.
"""

from __future__ import annotations

import re
import struct
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson

from cadence.db.engine import UnitOfWork
from cadence.scoring.config import ScoringRule
from cadence.scoring.rules import Event, matches

_MASK_BITS = 62  # filter sets told apart per query, a bit each in a bigint
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_]+$")
_ARRAY_ITEM = np.dtype([("length", ">i4"), ("value", ">i8")])
_ARRAY_HEADER = 20  # dimensions, has-nulls flag, element type, length, lower bound


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
    plain: dict[str, dict[tuple[tuple[str, str], ...], list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for index, rule in enumerate(rules):
        exact = _exact_filters(rule)
        if exact is None:
            contact, ts, seen = _filtered_pairs(uow, rule)
            read += seen
            parts.append((contact, ts, index))
        else:
            plain[rule.event][exact].append(index)
    for name, by_filters in sorted(plain.items()):
        sets = sorted(by_filters)
        for start in range(0, len(sets), _MASK_BITS):
            chosen = sets[start : start + _MASK_BITS]
            contact, ts, passes = _named_pairs(uow, name, chosen)
            read += len(contact)
            for exact, passing in zip(chosen, passes, strict=True):
                parts += [(contact[passing], ts[passing], i) for i in by_filters[exact]]
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


def _named_pairs(
    uow: UnitOfWork, name: str, sets: Sequence[tuple[tuple[str, str], ...]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[npt.NDArray[np.bool_]]]:
    """(contact ids, timestamps) of the events called ``name`` passing any of the exact
    filter ``sets``, and for each set which of them pass it: one read of those events
    however many rules name them (a bit per set says which passed)."""
    mark = "?" if uow.dialect == "sqlite" else "%s"
    tests: list[tuple[str, list[str]]] = []
    for exact in sets:
        filters, values = _where_sql(uow.dialect, exact)
        tests.append((" AND ".join(f"({f})" for f in filters), values))
    columns = ["contact_id", "ts"]
    params: list[str] = []
    if len(sets) > 1:
        bits = [
            f"(CASE WHEN {test} THEN {1 << i} ELSE 0 END)" if test else str(1 << i)
            for i, (test, _) in enumerate(tests)
        ]
        columns.append(" + ".join(bits))
        params += [p for t, ps in tests if t for p in ps]
    where = f"name = {mark}"
    params.append(name)
    if all(t for t, _ in tests):
        where += " AND (" + " OR ".join(f"({t})" for t, _ in tests) + ")"
        params += [p for _, ps in tests for p in ps]
    found = _aggregated(uow, columns, where, params)
    if len(sets) == 1:
        return found[0], found[1], [np.ones(len(found[0]), dtype=np.bool_)]
    return found[0], found[1], [(found[2] >> i) & 1 == 1 for i in range(len(sets))]


def _aggregated(
    uow: UnitOfWork, columns: Sequence[str], where: str, params: Sequence[str]
) -> list[npt.NDArray[np.int64]]:
    """Integer columns of the events passing ``where``, each fetched as ONE aggregated value
    that numpy parses in C: many times faster than a Python tuple per row.

    PostgreSQL: a bigint array in its binary form (``array_send``), read in place (a binary
    COPY sends a message per row; five million of them took twice as long as the query).
    SQLite: a comma-separated ``group_concat`` (5.2M rows: 0.9 s instead of 3.2 s)."""
    if uow.dialect == "sqlite":
        joined = ", ".join(f"group_concat({c})" for c in columns)
        query = f"SELECT {joined} FROM events WHERE {where}"  # noqa: S608
        return [_joined_ints(t) for t in uow.conn.exec_driver_sql(query, tuple(params)).one()]
    arrays = ", ".join(f"array_send(array_agg(({c})::bigint))" for c in columns)
    query = f"SELECT {arrays} FROM events WHERE {where}"  # noqa: S608
    raw = uow.conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor(binary=True) as cursor:  # type: ignore[attr-defined]
        cursor.execute(query, tuple(params))
        row = cursor.fetchone()
    return [_int8_array(sent) for sent in row]


def _joined_ints(text: str | None) -> npt.NDArray[np.int64]:
    """The integers of a ``group_concat`` (None: no rows)."""
    if text is None:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _int8_array(sent: bytes | None) -> npt.NDArray[np.int64]:
    """A one-dimensional bigint[] in PostgreSQL's binary array format (None: no rows)."""
    if sent is None:
        return np.zeros(0, dtype=np.int64)
    dimensions, _, _ = struct.unpack_from(">iii", sent)
    assert dimensions == 1, "unexpected array layout"
    body = np.frombuffer(sent, dtype=_ARRAY_ITEM, offset=_ARRAY_HEADER)
    assert (body["length"] == 8).all(), "unexpected NULL or width in a bigint array"
    return body["value"].astype(np.int64)


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
