"""`cadence model train|list` as a user runs them, and retraining by the scheduler."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cadence.cli import app
from cadence.db.engine import unit_of_work
from cadence.db.tables import model_versions
from cadence.insights import predict, training
from cadence.scheduler import run_pass
from tests.insights.factories import DAY, NOW, apply_workspace
from tests.insights.test_training import build_history

runner = CliRunner()


def versions(engine: Engine) -> int:
    with unit_of_work(engine, write=False) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(model_versions)).scalar_one())


def test_model_train_and_list(engine: Engine, database_url: str) -> None:
    env = {"CADENCE_DATABASE_URL": database_url, "COLUMNS": "200"}
    refused = runner.invoke(app, ["model", "train"], env=env)
    assert refused.exit_code == 1 and "not enough history" in refused.output
    apply_workspace(engine)
    build_history(engine)
    trained = runner.invoke(app, ["model", "train", "--horizon-days", "30"], env=env)
    assert trained.exit_code == 0, trained.output
    assert "logistic" in trained.output and "gradient_boosting" in trained.output
    listed = runner.invoke(app, ["model", "list"], env=env)
    assert listed.exit_code == 0 and "yes" in listed.output
    assert versions(engine) == 2


def test_the_scheduler_retrains_a_week_old_model_once(engine: Engine) -> None:
    apply_workspace(engine)
    build_history(engine)
    with unit_of_work(engine) as uow:
        training.train(uow, now=NOW - 15 * DAY)
    run_pass(engine, now=NOW - 9 * DAY)  # six days old: nothing to do
    assert versions(engine) == 2
    run_pass(engine, now=NOW - 8 * DAY)  # a week old: retrained
    assert versions(engine) == 4
    run_pass(engine, now=NOW - 8 * DAY + 1)
    run_pass(engine, now=NOW - 2 * DAY)  # the new model is young: nothing to do
    assert versions(engine) == 4
    with unit_of_work(engine, write=False) as uow:
        active = predict.active_model(uow)
    assert active is not None and active.trained_at == NOW - 8 * DAY
