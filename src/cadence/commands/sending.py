"""CLI commands: sending (``cadence send CAMPAIGN``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cadence.campaigns import runner, service
from cadence.channels.registry import transports as configured
from cadence.config import load_settings
from cadence.db.engine import unit_of_work
from cadence.errors import NotFound
from cadence.runtime import database, now_millis

HANDLED = ("sent", "failed", "bounced", "unknown")
HELD = ("deferred", "blocked", "dropped")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    app.command("send")(send)


def send(
    campaign: Annotated[int, typer.Argument(help="the campaign's id")],
) -> None:
    """Send a campaign now (through the send gate), showing progress; safe to re-run after
    an interruption: nobody gets the message twice."""
    console = Console()
    settings = load_settings(os.environ)
    with database(settings) as engine:
        try:
            with unit_of_work(engine, write=False) as uow:
                audience = service.audience_size(uow, campaign_id=campaign)
        except NotFound:
            Console(stderr=True).print(f"no campaign {campaign}")
            raise typer.Exit(1) from None
        channels = configured(settings, engine)
        try:
            with Progress(
                TextColumn(f"[bold]campaign {campaign}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[summary]}"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("send", total=audience, summary="")

                def progress(state: dict[str, object]) -> None:
                    totals = state["totals"]
                    assert isinstance(totals, dict)
                    done = sum(totals[k] for k in HANDLED) + sum(totals[k]["total"] for k in HELD)
                    summary = f"sent {totals['sent']}, held {done - totals['sent']}"
                    bar.update(task, completed=done, summary=summary)

                state = runner.run(
                    engine,
                    settings,
                    campaign_id=campaign,
                    now=now_millis,
                    transports=channels,
                    progress=progress,
                )
        finally:
            for transport in channels.values():
                transport.close()
    console.print(f"campaign {campaign}: {state['status']} {state['totals']}")
