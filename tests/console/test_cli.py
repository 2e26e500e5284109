"""``cadence users create`` / ``cadence users list`` and the demo's console admin."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from typer.testing import CliRunner

from cadence.cli import app
from cadence.console import service
from cadence.db.engine import unit_of_work

runner = CliRunner()


def test_users_create_and_list(engine: Engine, database_url: str) -> None:
    env = {"CADENCE_DATABASE_URL": database_url}
    made = runner.invoke(
        app, ["users", "create", "--email", "Sam@Example.com", "--role", "sales"], env=env
    )
    assert made.exit_code == 0, made.output
    password = made.output.strip().splitlines()[-1].removeprefix("password: ")
    with unit_of_work(engine) as uow:
        signed = service.sign_in(
            uow, email="sam@example.com", password=password, ip=None, now=1, session_hours=1
        )
    assert signed.token is not None
    again = runner.invoke(app, ["users", "create", "--email", "sam@example.com"], env=env)
    assert again.exit_code == 2 and "exists" in again.output
    short = runner.invoke(
        app, ["users", "create", "--email", "x@example.com", "--password", "short"], env=env
    )
    assert short.exit_code == 2 and "at least 12" in short.output
    listed = runner.invoke(app, ["users", "list"], env=env)
    assert re.search(r"sam@example\.com\s+sales", listed.output)
