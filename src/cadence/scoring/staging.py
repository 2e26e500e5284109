"""The rebuilt scores staged in a temporary table, so that one set-based UPDATE writes them.

A rescore computes a million scores in numpy; sending them as a million single-row
UPDATEs is what made it slow. They go into ``rescored (id, score, as_of, band, wake)`` in
bulk instead (PostgreSQL: one binary COPY laid out by numpy, no Python object per row;
SQLite: one executemany into a rowid table), and the contacts are updated from it with
their fit and grade in the same statement (``rescore.py``). ``wake`` is when decay alone
moves the band next, ``rebuild.NEVER`` when it never does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from cadence.db.engine import UnitOfWork

NAME = "rescored"
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_PG_TRAILER = b"\xff\xff"
_PG_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_len", ">i4"),
        ("id", ">i8"),
        ("score_len", ">i4"),
        ("score", ">f8"),
        ("as_of_len", ">i4"),
        ("as_of", ">i8"),
        ("band_len", ">i4"),
        ("band", ">i4"),
        ("wake_len", ">i4"),
        ("wake", ">i8"),
    ]
)

STAGED = sa.table(
    NAME,
    sa.column("id", sa.BigInteger),
    sa.column("score", sa.Float),
    sa.column("as_of", sa.BigInteger),
    sa.column("band", sa.Integer),
    sa.column("wake", sa.BigInteger),
)


@dataclass(frozen=True, slots=True, eq=False)
class Staged:
    """Parallel arrays, one entry per scored contact."""

    id: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    as_of: npt.NDArray[np.int64]
    band: npt.NDArray[np.int64]
    wake: npt.NDArray[np.int64]


@contextmanager
def staged_scores(uow: UnitOfWork, scores: Staged) -> Iterator[sa.TableClause]:
    """The temporary table ``rescored`` holding ``scores``, dropped afterwards."""
    conn = uow.conn
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {NAME}")
    if uow.dialect == "postgresql":
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {NAME} (id bigint, score double precision, "
            "as_of bigint, band integer, wake bigint)"
        )
        _copy_in(uow, scores)
        conn.exec_driver_sql(f"ANALYZE {NAME}")
    else:
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {NAME} "
            "(id INTEGER PRIMARY KEY, score REAL, as_of INTEGER, band INTEGER, wake INTEGER)"
        )
        columns = (scores.id, scores.score, scores.as_of, scores.band, scores.wake)
        rows = zip(*(column.tolist() for column in columns), strict=True)
        conn.exec_driver_sql(f"INSERT INTO {NAME} VALUES (?, ?, ?, ?, ?)", list(rows))  # noqa: S608
    try:
        yield STAGED
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {NAME}")


def _copy_in(uow: UnitOfWork, scores: Staged) -> None:
    """Every row in one binary COPY, laid out by a numpy structured array."""
    rows = np.empty(len(scores.id), dtype=_PG_ROW)
    rows["fields"] = 5
    for length in ("id_len", "score_len", "as_of_len", "wake_len"):
        rows[length] = 8
    rows["band_len"] = 4
    rows["id"] = scores.id
    rows["score"] = scores.score
    rows["as_of"] = scores.as_of
    rows["band"] = scores.band
    rows["wake"] = scores.wake
    raw = uow.conn.connection.dbapi_connection
    assert raw is not None
    query = f"COPY {NAME} (id, score, as_of, band, wake) FROM STDIN (FORMAT binary)"
    with raw.cursor() as cursor, cursor.copy(query) as copy:  # type: ignore[attr-defined]
        copy.write(_PG_HEADER + rows.tobytes() + _PG_TRAILER)
