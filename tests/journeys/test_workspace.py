"""The ``journeys:`` section of the workspace file: validated with the file's messages and
segments, applied (versioned when changed), exported back, removed when dropped."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
