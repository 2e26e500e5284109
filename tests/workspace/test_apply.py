"""The workspace file: validated whole, applied atomically, idempotent, exported back."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cadence.cli import app
from tests.helpers import call, contact_by, send

DOCUMENT = """
segments:
  - key: emea
    name: EMEA
    condition: {field: traits.country, op: in, value: [DE, FR, GB]}
  - key: emea-buyers
    name: EMEA buyers
    description: bought at least once
    condition:
      all:
        - {segment: emea}
        - {field: purchases.count, op: gte, value: 1}
  - key: hand-picked
    name: Hand-picked
    static: true
"""


def put(client: TestClient, text: str, **params: str) -> tuple[int, dict[str, object]]:
    response = client.put(
        "/api/config",
        content=text.encode(),
        params=params,
        headers={"Content-Type": "application/yaml"},
    )
    return response.status_code, response.json()


def test_apply_is_idempotent_and_builds_segments(client: TestClient) -> None:
    send(
        client,
        call("identify", userId="w1", traits={"country": "DE"}),
        call("track", userId="w1", event="Order Completed", properties={"revenue": 1}),
        call("identify", userId="w2", traits={"country": "US"}),
    )
    status, dry = put(client, DOCUMENT, dry_run="true")
    assert status == 200
    assert dry["segments"] == {
        "created": ["emea", "emea-buyers", "hand-picked"],
        "updated": [],
        "deleted": [],
        "unchanged": [],
    }
    assert client.get("/api/segments").json()["items"] == []
    status, first = put(client, DOCUMENT)
    assert first["changes"] == 3
    assert contact_by(client, user_id="w1")["segments"] == ["emea", "emea-buyers"]
    status, second = put(client, DOCUMENT)
    assert second["changes"] == 0
    assert second["segments"]["unchanged"] == ["emea", "emea-buyers", "hand-picked"]  # type: ignore[index]
    exported = yaml.safe_load(client.get("/api/config", params={"format": "yaml"}).text)
    assert exported == yaml.safe_load(DOCUMENT)


def test_an_invalid_document_changes_nothing(client: TestClient) -> None:
    put(client, DOCUMENT)
    broken = DOCUMENT.replace("op: gte", "op: bigger").replace(
        "key: emea\n", "key: emea\n    extra: 1\n"
    )
    broken += "  - key: x\n    condition: {segment: nowhere}\njourneys-typo: []\n"
    status, body = put(client, broken)
    assert status == 400
    fields = [e["field"] for e in body["errors"]]  # type: ignore[union-attr]
    assert "segments[0].extra" in fields
    assert "segments[1].condition.all[1].op" in fields
    assert "journeys-typo" in fields
    assert "segments[3].condition.segment" in fields
    assert [s["key"] for s in client.get("/api/segments").json()["items"]] == [
        "emea",
        "emea-buyers",
        "hand-picked",
    ]
    status, body = put(client, "segments: [\n")
    assert status == 400
    assert body["errors"][0]["field"].startswith("line ")  # type: ignore[index]


def test_removing_a_segment_from_the_file_deletes_it_unless_used(client: TestClient) -> None:
    put(client, DOCUMENT)
    without_base = (
        DOCUMENT.split("  - key: emea-buyers")[0].replace("emea", "kept")
        + "  - key: hand-picked\n    static: true\n    name: Hand-picked\n"
    )
    status, body = put(client, without_base)
    assert status == 200, body
    assert sorted(body["segments"]["deleted"]) == ["emea", "emea-buyers"]  # type: ignore[index]
    api_made = {"key": "api-made", "condition": {"segment": "kept"}}
    assert client.post("/api/segments", json=api_made).status_code == 201
    status, body = put(client, "segments: []\n")
    assert status == 409
    assert "unknown segment" in str(body["message"])


def test_cli_apply_and_export(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "workspace.yaml"
    source.write_text(DOCUMENT)
    env = {"CADENCE_DATABASE_URL": database_url}
    runner = CliRunner()
    applied = runner.invoke(app, ["apply", str(source)], env=env)
    assert applied.exit_code == 0, applied.output
    assert "3 definition(s) changed" in applied.output
    again = runner.invoke(app, ["apply", str(source)], env=env)
    assert "0 definition(s) changed" in again.output
    exported = runner.invoke(app, ["config", "export"], env=env)
    assert yaml.safe_load(exported.output) == yaml.safe_load(DOCUMENT)
    source.write_text(
        "segments:\n  - key: bad\n    condition: {field: traits.a, op: nope, value: 1}\n"
    )
    refused = runner.invoke(app, ["apply", str(source)], env=env)
    assert refused.exit_code == 2
    assert "segments[0].condition.op" in refused.output
