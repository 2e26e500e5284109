"""Small factories for the decision API tests."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.db.tables import decision_log, decision_models


def apply_points(client: TestClient, *points: dict[str, Any]) -> dict[str, Any]:
    response = client.put("/api/config", content=yaml.safe_dump({"decisions": list(points)}))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def decide(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/decide", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def rewarded(client: TestClient, decision_id: int, value: float) -> None:
    response = client.post(f"/api/decisions/{decision_id}/reward", json={"value": value})
    assert response.status_code == 200, response.text


def log_rows(client: TestClient) -> list[Any]:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(select(decision_log).order_by(decision_log.c.id)))


def model_updates(client: TestClient, point: str, version: int = 1) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        value = conn.execute(
            select(decision_models.c.updates).where(
                decision_models.c.point == point, decision_models.c.version == version
            )
        ).scalar_one()
    return int(value)
