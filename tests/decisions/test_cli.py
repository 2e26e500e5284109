"""``cadence decisions ...`` as a user runs it."""

from __future__ import annotations

import orjson
from sqlalchemy import Engine
from typer.testing import CliRunner

from cadence.cli import app
from cadence.db.engine import unit_of_work
from cadence.decisions import service

runner = CliRunner()
NOW = 1_790_000_000_000


def test_list_log_evaluate_and_attribute(engine: Engine, database_url: str) -> None:
    env = {"CADENCE_DATABASE_URL": database_url}
    with unit_of_work(engine) as uow:
        service.ensure_point(
            uow,
            key="offer",
            options=["a", "b"],
            features=["page"],
            reward=service.RewardSpec(event="Bought", within_days=1),
            managed_by="workspace",
            now=NOW,
        )
        chosen = [
            service.choose(
                uow,
                point="offer",
                contact_id=None,
                eligible=None,
                context={"page": "/"},
                at=NOW,
                source="test",
            )
            for _ in range(6)
        ]
        for i, c in enumerate(chosen[:4]):
            service.reward(uow, decision_id=c.decision_id, value=float(i % 2), at=NOW + 1)

    listed = runner.invoke(app, ["decisions", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    summary = orjson.loads(listed.output)["items"][0]
    assert (summary["key"], summary["decisions"], summary["rewarded"]) == ("offer", 6, 4)

    log = runner.invoke(app, ["decisions", "log", "offer"], env=env)
    assert log.exit_code == 0, log.output
    rows = [orjson.loads(line) for line in log.output.splitlines()]
    assert [r["decision_id"] for r in rows] == [c.decision_id for c in chosen]

    evaluated = runner.invoke(
        app, ["decisions", "evaluate", "offer", "--policy", "uniform"], env=env
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert orjson.loads(evaluated.output)["n"] == 4
    refused = runner.invoke(app, ["decisions", "evaluate", "offer", "--policy", "fixed"], env=env)
    assert refused.exit_code == 1
    assert "option" in refused.output
    missing = runner.invoke(app, ["decisions", "log", "nope"], env=env)
    assert missing.exit_code == 1

    attributed = runner.invoke(app, ["decisions", "attribute"], env=env)
    assert attributed.exit_code == 0, attributed.output
    assert "2 decisions settled" in attributed.output  # windows closed long ago
