"""Load the synthetic data set through the real ingestion pipeline."""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.demo.generator import generate
from cadence.events.spec import Event, parse_message
from cadence.runtime import now_millis
from cadence.workspace import document
from cadence.workspace import service as workspace

BATCH = 2000


def load_demo(
    engine: Engine,
    *,
    seed: int,
    contacts: int,
    accounts: int,
    months: int,
    now: datetime,
    console: Console | None = None,
    at: int | None = None,
) -> str:
    """Apply the demo workspace, then ingest the generated calls in batches.

    Loading twice changes nothing: the workspace apply is idempotent and messageIds repeat.
    ``at`` is the moment the load happens (default: the clock), so a story can follow it.
    """
    received = now_millis() if at is None else at
    text = resources.files("cadence.demo").joinpath("workspace.yaml").read_text()
    with unit_of_work(engine) as uow:
        workspace.apply(uow, document.read(document.load_text(text)), now=received)
    total = duplicates = 0
    pending: list[Event] = []
    progress = Progress(console=console, transient=True) if console else None
    task = progress.add_task("loading demo data", total=None) if progress else None
    if progress:
        progress.start()
    try:
        for index, message in enumerate(
            generate(seed=seed, accounts=accounts, contacts=contacts, months=months, now=now)
        ):
            parsed = parse_message(message, where=f"demo[{index}]", received_at=received)
            if isinstance(parsed, list):
                raise ValueError(f"demo generator produced a bad call: {parsed}")
            pending.append(parsed)
            if len(pending) >= BATCH:
                duplicates += _commit(engine, pending, at=received)
                total += len(pending)
                pending = []
                if progress and task is not None:
                    progress.update(task, completed=total)
        if pending:
            duplicates += _commit(engine, pending, at=received)
            total += len(pending)
    finally:
        if progress:
            progress.stop()
    return f"demo data: {total:,} calls ingested ({duplicates:,} were already loaded)"


def _commit(engine: Engine, events: list[Event], *, at: int) -> int:
    with unit_of_work(engine) as uow:
        return pipeline.process(uow, events, now=at).duplicates
