"""CLI commands: journeys (list, stats, enrol, run due steps)."""

from __future__ import annotations

import os
from typing import Annotated, Any, NoReturn

import orjson
import typer

from cadence.config import load_settings
from cadence.db.engine import unit_of_work
from cadence.errors import InputError, NotFound
from cadence.journeys import runner, service
from cadence.runtime import database, now_millis


def _fail(error: InputError | NotFound) -> NoReturn:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def _print(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def list_journeys() -> None:
    """Live journeys with their current version (JSON)."""
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        _print({"items": service.list_journeys(uow)})


def stats(key: str) -> None:
    """Contacts per step and conversion per path and variant (JSON)."""
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        try:
            _print(service.stats(uow, key))
        except NotFound as error:
            _fail(error)


def enrol(key: str, contact_ids: Annotated[list[int], typer.Argument()]) -> None:
    """Enrol contacts by id (the journey's re-entry policy applies)."""
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        try:
            _print(service.enrol(uow, key, contact_ids=contact_ids, now=now_millis()))
        except (InputError, NotFound) as error:
            _fail(error)


def run_due() -> None:
    """Run the journey steps due now until none is left (``cadence worker`` does this too)."""
    total = 0
    with database(load_settings(os.environ)) as engine:
        while True:
            with unit_of_work(engine) as uow:
                done = runner.run_pass(uow, now=now_millis())
            if not done:
                break
            total += done
    typer.echo(f"{total} journey steps and triggers handled")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add ``cadence journeys ...``."""
    journeys = typer.Typer(
        help="Journeys: list, stats, enrol, run due steps.", no_args_is_help=True
    )
    journeys.command("list")(list_journeys)
    journeys.command("stats")(stats)
    journeys.command("enrol")(enrol)
    journeys.command("run")(run_due)
    app.add_typer(journeys, name="journeys")
