"""CLI commands: insights (predictive model training and versions)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cadence.config import load_settings
from cadence.db.engine import unit_of_work
from cadence.db.types import from_millis
from cadence.errors import InputError
from cadence.insights import predict, training
from cadence.insights.models import Metrics, ModelVersion
from cadence.runtime import database, now_millis

console = Console()
model_app = typer.Typer(help="Predictive conversion models: train, list versions.")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _calibration(m: Metrics) -> str:
    return " ".join(f"{p:.2f}->{o:.2f}({n})" for p, o, n in m.reliability)


def show(versions: list[ModelVersion]) -> None:
    table = Table(
        "id",
        "kind",
        "active",
        "trained",
        "horizon",
        "test rows (conv.)",
        "AUC",
        "Brier",
        "rule score AUC",
    )
    for v in versions:
        table.add_row(
            str(v.id),
            v.kind,
            "yes" if v.active else "",
            from_millis(v.trained_at).strftime("%Y-%m-%d %H:%M"),
            f"{v.horizon_days} d",
            f"{v.n_test} ({v.positives_test})",
            _fmt(v.metrics.auc),
            _fmt(v.metrics.brier),
            _fmt(v.rule_score_metrics.auc),
        )
    console.print(table)


@model_app.command("train")
def train(
    horizon_days: Annotated[
        int, typer.Option(min=1, max=365, help="conversion within this many days")
    ] = training.HORIZON_DAYS,
) -> None:
    """Train both models on history, activate the better one, score every contact."""
    settings = load_settings()
    with database(settings) as engine:
        try:
            versions = training.train_and_store(engine, now=now_millis(), horizon_days=horizon_days)
        except InputError as error:
            console.print(f"[red]{error.message}[/]")
            raise typer.Exit(1) from error
    show(versions)
    for v in versions:
        console.print(
            f"{v.kind} reliability (predicted->observed(rows)): {_calibration(v.metrics)}"
        )


@model_app.command("list")
def list_models() -> None:
    """Model versions with their metrics beside the rule score's, newest first."""
    with database(load_settings()) as engine, unit_of_work(engine, write=False) as uow:
        show(predict.models(uow))


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this capability's commands: `cadence model train`, `cadence model list`."""
    app.add_typer(model_app, name="model")
