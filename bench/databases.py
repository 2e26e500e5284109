"""Throw-away databases for benchmarks: a SQLite file in a temporary folder, or a uniquely
named PostgreSQL database created on the server and dropped afterwards."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cadence.db.engine import normalise_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    return normalise_url(os.environ.get("CADENCE_BENCH_POSTGRES_URL", DEFAULT_PG))


def _create_postgres() -> tuple[str, Callable[[], None]] | None:
    admin = postgres_admin_url()
    name = f"cadence_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as error:  # benchmarks report what they could not run
        print(f"PostgreSQL not available ({error.__class__.__name__}); skipping its rows")
        return None

    def drop() -> None:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return make_url(admin).set(database=name).render_as_string(hide_password=False), drop


def _create_sqlite() -> tuple[str, Callable[[], None]]:
    folder = Path(tempfile.mkdtemp(prefix="cadence-bench-"))
    return f"sqlite:///{folder / 'bench.db'}", lambda: shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh(kind: str, *, keep: bool = False) -> Iterator[str | None]:
    """The URL of a new empty database of ``kind`` (None when PostgreSQL is unreachable),
    dropped afterwards unless ``keep``."""
    made = _create_sqlite() if kind == "sqlite" else _create_postgres()
    if made is None:
        yield None
        return
    url, drop = made
    try:
        yield url
    finally:
        if keep:
            print(f"kept the {kind} database: {url}", file=sys.stderr)
        else:
            drop()
