"""Shared fixtures: real SQLite files and a real PostgreSQL database for every storage test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cadence.api.app import create_app
from cadence.config import Settings
from cadence.db.engine import make_engine, normalise_url
from cadence.db.migrate import upgrade
from cadence.db.tables import metadata

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CI_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to test against: always in CI, else when configured."""
    url = os.environ.get("CADENCE_TEST_POSTGRES_URL")
    if url:
        return normalise_url(url)
    return CI_POSTGRES_URL if IN_CI else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test so each test has its own database."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test process, dropped at the end."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL not configured (set CADENCE_TEST_POSTGRES_URL; required in CI)")
    name = f"cadence_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a missing server must fail loudly, never skip, in CI
        admin.dispose()
        pytest.fail(f"PostgreSQL at {admin_url} is not usable: {error}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "cadence.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    truncate_all(url)
    yield url


def truncate_all(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


ADMIN_KEY = "cad_a_test-admin-key-0123456789abcdefghijklmnop"
WRITE_KEY = "cad_w_test-write-key-0123456789abcdefghijklmnop"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        bootstrap_admin_key=ADMIN_KEY,
        bootstrap_write_key=WRITE_KEY,
        run_scheduler=False,  # tests run due work themselves, at the moment they choose
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The whole application over HTTP semantics, with its lifespan (migrations, keys, writer)."""
    with TestClient(create_app(settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
        yield test_client


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The application served by uvicorn on a loopback port, for real HTTP clients."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until the server is up
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()
