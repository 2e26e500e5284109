"""The ``journeys:`` section of the workspace file: validated with the file's messages and
segments, applied (versioned when changed), exported back, removed when dropped."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cadence.cli import app
from tests.journeys.helpers import WORKSPACE, apply_workspace

JOURNEYS = """
journeys:
  - key: follow-up
    triggers: [{segment_entered: hot}]
    steps:
      - {id: mail, type: send, message: follow-up, next: pause}
      - {id: pause, type: wait, duration: 1d, next: list}
      - {id: list, type: add_to_list, list: vip-list}
"""


def put(client: TestClient, text: str) -> tuple[int, dict[str, object]]:
    response = client.put(
        "/api/config", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    return response.status_code, response.json()


def test_journeys_in_the_file_apply_version_and_export(client: TestClient) -> None:
    first = apply_workspace(client, WORKSPACE + JOURNEYS)
    assert first["journeys"]["created"] == ["follow-up"]
    again = apply_workspace(client, WORKSPACE + JOURNEYS)
    assert again["journeys"]["unchanged"] == ["follow-up"]
    changed = apply_workspace(client, WORKSPACE + JOURNEYS.replace("1d", "2d"))
    assert changed["journeys"]["updated"] == ["follow-up"]
    assert client.get("/api/journeys/follow-up").json()["version"] == 2
    exported = client.get("/api/config").text
    assert "follow-up" in exported and "add_to_list" in exported
    removed = apply_workspace(client, WORKSPACE)
    assert removed["journeys"]["deleted"] == ["follow-up"]
    assert client.get("/api/journeys").json()["items"] == []


def test_a_file_naming_unknown_messages_is_rejected_with_paths(client: TestClient) -> None:
    status, body = put(client, WORKSPACE + JOURNEYS.replace("message: follow-up", "message: nope"))
    assert status == 400
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"journeys[0].steps[0].message"}
    assert client.get("/api/journeys").json()["items"] == []


AGES = """
journeys:
  - key: replays
    triggers:
      - {event: Signed Up, max_event_age: null}
      - {event: Trial Started, max_event_age: 2d, where: {plan: pro}}
      - {event: Page Viewed}
    steps:
      - {id: pause, type: wait, duration: 1d}
"""


def test_max_event_age_is_checked_with_paths_and_round_trips_through_export(
    database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "workspace.yaml"
    env = {"CADENCE_DATABASE_URL": database_url}
    runner = CliRunner()
    bad = AGES.replace("max_event_age: 2d", "max_event_age: soon").replace(
        "{event: Page Viewed}", "{manual: true, max_event_age: 1d}"
    )
    source.write_text(WORKSPACE + bad)
    refused = runner.invoke(app, ["apply", str(source)], env=env)
    assert refused.exit_code != 0
    assert "journeys[0].triggers[1].max_event_age" in refused.output
    assert "journeys[0].triggers[2].max_event_age: only for event triggers" in refused.output
    exported = runner.invoke(app, ["config", "export"], env=env)
    assert "journeys" not in yaml.safe_load(exported.output)  # nothing was written
    source.write_text(WORKSPACE + AGES)
    applied = runner.invoke(app, ["apply", str(source)], env=env)
    assert applied.exit_code == 0, applied.output
    exported = runner.invoke(app, ["config", "export"], env=env)
    document = yaml.safe_load(exported.output)
    assert document["journeys"] == yaml.safe_load(AGES)["journeys"]
    source.write_text(exported.output)
    again = runner.invoke(app, ["apply", str(source)], env=env)
    assert "0 definition(s) changed" in again.output, again.output
