"""CLI commands: channels (``cadence import bounces PATH``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cadence.channels.bounce_import import import_bounces
from cadence.channels.tracking import tracking_key
from cadence.config import load_settings
from cadence.runtime import database, now_millis, secret_key


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    import_app.command("bounces")(bounces)


def bounces(
    path: Annotated[
        Path,
        typer.Argument(exists=True, readable=True, help="an mbox, a maildir, a folder of .eml"),
    ],
) -> None:
    """Import bounces (DSN) and complaints (ARF): suppress, log, record; report bad files."""
    console = Console()
    errors = Console(stderr=True)
    settings = load_settings(os.environ)
    with database(settings) as engine:
        key = tracking_key(secret=secret_key(engine, settings))
        with console.status("importing bounces") as status:
            result = import_bounces(
                engine,
                path,
                key=key,
                now=now_millis,
                progress=lambda n: status.update(f"importing bounces: {n:,} messages"),
            )
    for where, why in result.bad:
        errors.print(f"bad: {where}: {why}", markup=False, highlight=False, soft_wrap=True)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.kinds.items()))
    console.print(
        f"{result.messages} messages: {kinds or 'none taken in'}; "
        f"{result.suppressed} addresses suppressed, {result.duplicates} already known, "
        f"{len(result.bad)} bad",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if result.bad and not result.kinds:  # nothing at all could be read
        raise typer.Exit(1)
