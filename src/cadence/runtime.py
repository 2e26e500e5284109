"""Start-up work shared by the server and the CLI: schema, secret key, bootstrap keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from cadence.config import Settings
from cadence.db.engine import make_engine, unit_of_work
from cadence.db.migrate import upgrade
from cadence.db.tables import meta
from cadence.db.types import to_millis
from cadence.security.keys import ensure_key


def now_millis() -> int:
    return to_millis(datetime.now(UTC))


def open_database(settings: Settings, *, migrate: bool = True) -> Engine:
    """An engine on the configured database, upgraded to the current schema."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    return engine


@contextmanager
def database(settings: Settings, *, migrate: bool = True) -> Iterator[Engine]:
    """An upgraded engine that is disposed of when the block ends (for commands)."""
    engine = open_database(settings, migrate=migrate)
    try:
        yield engine
    finally:
        engine.dispose()


def secret_key(engine: Engine, settings: Settings) -> str:
    """The configured secret, else one generated once and kept in the database."""
    if settings.secret_key:
        return settings.secret_key
    with unit_of_work(engine) as uow:
        row = uow.conn.execute(select(meta.c.value).where(meta.c.key == "secret_key")).first()
        if row is not None:
            return str(row[0])
        value = secrets.token_urlsafe(48)
        uow.conn.execute(insert(meta).values(key="secret_key", value=value))
        return value


def bootstrap_keys(engine: Engine, settings: Settings) -> None:
    """Create the API keys named in the environment, if absent."""
    wanted = [("admin", settings.bootstrap_admin_key), ("write", settings.bootstrap_write_key)]
    with unit_of_work(engine) as uow:
        for scope, token in wanted:
            if token:
                ensure_key(
                    uow, token=token, scope=scope, name=f"bootstrap {scope}", now=now_millis()
                )
