"""CLI commands: decision points (list, export the log, evaluate a policy, attribute rewards)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, NoReturn

import orjson
import typer

from cadence.config import load_settings
from cadence.db.engine import unit_of_work
from cadence.decisions import reports, rewards, store
from cadence.errors import FieldError, InputError, NotFound
from cadence.runtime import database, now_millis


def _fail(error: InputError | NotFound) -> NoReturn:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def points() -> None:
    """Decision points with their counts, share per option and mean reward (JSON)."""
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        items = [reports.summary(uow, p) for p in store.load_points(uow)]
    typer.echo(orjson.dumps({"items": items}, option=orjson.OPT_INDENT_2).decode())


def export_log(
    key: str,
    version: Annotated[int | None, typer.Option(help="default: the current version")] = None,
) -> None:
    """The decision log of a point as JSON lines, in the logged-bandit form."""
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        try:
            point = reports.require_point(uow, key)
            after: int | None = 0
            while after is not None:
                page = reports.log_page(uow, point, version=version, after=after, limit=1000)
                for item in page["items"]:
                    sys.stdout.write(orjson.dumps(item).decode() + "\n")
                after = page["next_after"]
        except (InputError, NotFound) as error:
            _fail(error)


def evaluate(
    key: str,
    policy: Annotated[str, typer.Option(help="uniform, fixed or current")] = "uniform",
    option: Annotated[str | None, typer.Option(help="the option a fixed policy picks")] = None,
    version: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Off-policy estimates (IPS, SNIPS, doubly robust) of a candidate policy on the log."""
    if policy not in ("uniform", "fixed", "current"):
        typer.echo("error: --policy must be uniform, fixed or current", err=True)
        raise typer.Exit(2)
    with database(load_settings(os.environ)) as engine, unit_of_work(engine) as uow:
        try:
            point = reports.require_point(uow, key)
            if policy == "fixed" and option is None:
                raise InputError([FieldError("option", "a fixed policy needs --option")])
            result = reports.evaluate(
                uow, point, policy=policy, option=option, version=version, confidence=0.95
            )
        except (InputError, NotFound) as error:
            _fail(error)
    typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


def attribute() -> None:
    """Attribute rewards to every decision whose window has closed (the scheduler does too)."""
    total = 0
    with database(load_settings(os.environ)) as engine:
        while True:
            with unit_of_work(engine) as uow:
                done = rewards.attribute_due(uow, now=now_millis())
            total += done
            if done == 0:
                break
    typer.echo(f"{total} decisions settled")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the ``cadence decisions ...`` commands."""
    group = typer.Typer(help="Decision points: the decision API's log and evaluation.")
    group.command("list")(points)
    group.command("log")(export_log)
    group.command("evaluate")(evaluate)
    group.command("attribute")(attribute)
    app.add_typer(group, name="decisions", no_args_is_help=True)
