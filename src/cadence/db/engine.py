"""Engines and the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from cadence.db import sqlite_functions


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    """An engine with Cadence's connection settings (WAL and a busy timeout on SQLite)."""
    url = normalise_url(url)
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": orjson.loads,
    }
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            kwargs["pool_size"] = pool_size
    else:
        kwargs["pool_size"] = pool_size
        kwargs["pool_pre_ping"] = True
        # psycopg prepares a statement run five times; PostgreSQL then may settle on a
        # generic plan, chosen once from the statistics of that moment and kept for the
        # pooled connection's life. For the batch queries (``value IN (...)`` of 900
        # identifiers) on a young, growing database that plan was a scan whose cost grew
        # with the table (ingest 4.5x slower by 100,000 events); plan each execution.
        kwargs["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan"}
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate_if_asked)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer; group commit keeps fsyncs rare.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    sqlite_functions.register(dbapi_connection)


def _sqlite_begin_immediate_if_asked(conn: Connection) -> None:
    # A writer takes the write lock up front, so two writers queue on the busy
    # timeout instead of failing with "database is locked" on lock upgrade.
    mode = "IMMEDIATE" if conn.info.get("write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


@dataclass
class UnitOfWork:
    """One transaction; services add and flush, the edge commits."""

    conn: Connection

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = True) -> Iterator[UnitOfWork]:
    """Open a transaction that commits when the block ends and rolls back on error."""
    with engine.connect() as conn:
        conn.info["write"] = write
        with conn.begin():
            yield UnitOfWork(conn=conn)
