"""The command line, run as a user runs it (in-process through Typer's runner)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cadence.cli import app
from cadence.db.engine import unit_of_work
from cadence.db.tables import api_keys, contacts
from cadence.security.keys import authenticate

runner = CliRunner()


def test_db_upgrade_and_keys(engine: Engine, database_url: str) -> None:
    env = {"CADENCE_DATABASE_URL": database_url}
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert "revision" in upgraded.output
    created = runner.invoke(app, ["keys", "create", "--scope", "write", "--name", "site"], env=env)
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    with unit_of_work(engine) as uow:
        key = authenticate(uow, token)
        stored = uow.conn.execute(select(api_keys.c.key_hash)).scalars().all()
    assert key is not None and key.scope == "write"
    assert token not in stored  # only the hash is kept
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert "site" in listed.output
    refused = runner.invoke(app, ["keys", "create", "--scope", "root"], env=env)
    assert refused.exit_code == 2


def test_import_contacts_reports_bad_rows(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    lines = ["email,first_name,Job Title"]
    lines += [f"person{i}@example.com,P{i},Engineer" for i in range(120)]
    lines += ["broken,Bad,X", ",Empty,Y"]
    source.write_text("\n".join(lines) + "\n")
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        [
            "import",
            "contacts",
            str(source),
            "--map",
            "Job Title=job_title",
            "--errors-file",
            str(errors),
        ],
        env={"CADENCE_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert "122 rows: 120 imported, 2 rejected" in result.output
    assert errors.read_text().splitlines()[1:] == [
        "122,\"email: 'broken' is not an email address\"",
        '123,"no email and no user_id"',
    ]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(contacts)).scalar_one() == 120
        titles = set(conn.execute(select(contacts.c.traits)).scalars().all()[0])
    assert titles == {"email", "first_name", "job_title"}


def test_simulate_prints_each_policy() -> None:
    result = runner.invoke(app, ["simulate", "--decisions", "3000", "--seed", "1"])
    assert result.exit_code == 0, result.output
    for policy in ("adaptive", "fixed_best", "random", "oracle"):
        assert policy in result.output
    assert "of the oracle's lift" in result.output
