"""Predictive scoring end to end: history through the pipeline, training, predictions, the
``predicted_conversion`` field, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cadence.db.engine import unit_of_work
from cadence.db.tables import contact_predictions, contacts
from cadence.insights import predict, training
from tests.insights.factories import DAY, NOW, apply_workspace, identify, ingest, track


def build_history(engine: Engine, *, people: int = 160, seed: int = 5) -> None:
    """People arrive over 240 days; most who request a demo order 5-20 days later."""
    rng = random.Random(seed)
    messages = []
    for n in range(people):
        user = f"u{n}"
        arrived = NOW - rng.randint(40, 240) * DAY
        senior = rng.random() < 0.4
        messages.append(
            identify(user, arrived, email=f"{user}@example.com", seniority="VP" if senior else "")
        )
        for _ in range(rng.randint(1, 6)):
            messages.append(
                track(user, "Page Viewed", arrived + rng.randint(0, 30) * DAY, path="/docs")
            )
        if rng.random() < (0.6 if senior else 0.25):
            demo = arrived + rng.randint(3, 30) * DAY
            messages.append(track(user, "Page Viewed", demo - DAY, path="/pricing"))
            messages.append(track(user, "Demo Requested", demo))
            if rng.random() < 0.8:
                messages.append(
                    track(user, "Order Completed", demo + rng.randint(5, 20) * DAY, revenue=100)
                )
        elif rng.random() < 0.04:
            messages.append(
                track(user, "Order Completed", arrived + rng.randint(5, 60) * DAY, revenue=50)
            )
    ingest(engine, [m for m in messages if m["timestamp"] <= identify("x", NOW)["timestamp"]])


def test_training_compares_models_with_the_rule_score_and_scores_everyone(engine: Engine) -> None:
    apply_workspace(engine)
    build_history(engine)
    with unit_of_work(engine) as uow:
        versions = training.train(uow, now=NOW, horizon_days=30)
    assert {v.kind for v in versions} == {"logistic", "gradient_boosting"}
    assert sum(v.active for v in versions) == 1
    for v in versions:
        assert v.positives_train > 0 and v.positives_test > 0
        assert v.metrics.auc is not None and v.metrics.auc > 0.5  # better than chance
        assert v.rule_score_metrics.auc is not None
        assert v.metrics.brier is not None
        assert sum(n for _, _, n in v.metrics.reliability) == v.n_test
        assert v.cutoff < NOW
    with unit_of_work(engine, write=False) as uow:
        stored = {
            cid: p
            for cid, p in uow.conn.execute(select(contacts.c.id, contacts.c.predicted_conversion))
        }
        active = predict.active_model(uow)
        assert active is not None and active.id in {v.id for v in versions}
        demo_people = [cid for cid, p in stored.items() if p is not None]
        assert len(demo_people) == len(stored)  # every live contact has a probability
        best = max(stored, key=lambda c: stored[c] or 0.0)
        prediction = predict.prediction(uow, contact_id=best)
    assert prediction is not None and prediction.model_version == active.id
    assert prediction.probability == pytest.approx(stored[best])
    assert prediction.contributions, "the likeliest contact has reasons"
    assert all(c.label for c in prediction.contributions)
    effects = [abs(c.effect) for c in prediction.contributions]
    assert effects == sorted(effects, reverse=True)


def test_too_little_history_is_a_409_that_writes_nothing(client: TestClient) -> None:
    response = client.post("/api/models/train", json={"horizon_days": 30})
    assert response.status_code == 409, response.text
    assert response.json()["errors"][0]["field"] == "history"
    assert client.get("/api/models").json() == {"items": []}
    bad = client.post("/api/models/train", json={"horizon_days": 0})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "horizon_days"


def test_train_over_http_and_use_predicted_conversion_in_conditions(
    client: TestClient, engine: Engine
) -> None:
    apply_workspace(engine)
    build_history(engine)
    condition = {"field": "predicted_conversion", "op": "gte", "value": 0.2}
    created = client.post(
        "/api/segments", json={"key": "likely", "name": "Likely to convert", "condition": condition}
    )
    assert created.status_code == 201, created.text
    trained = client.post("/api/models/train", json={})
    assert trained.status_code == 201, trained.text
    assert len(client.get("/api/models").json()["items"]) == 2
    top = client.get("/api/predictions", params={"limit": 5}).json()
    assert top["model"]["active"] is True
    probabilities = [item["probability"] for item in top["items"]]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 5
    one = client.get(f"/api/predictions/{top['items'][0]['contact_id']}").json()
    assert one["top_features"] and one["top_features"][0]["label"]
    with unit_of_work(engine, write=False) as uow:
        expected = sorted(
            cid
            for cid, p in uow.conn.execute(select(contacts.c.id, contacts.c.predicted_conversion))
            if p is not None and p >= 0.2
        )
    assert expected, "the segment built before training now has the likely converters"
    members = client.get("/api/segments/likely/members", params={"limit": 1000}).json()
    assert sorted(m["id"] if isinstance(m, dict) else m for m in members["items"]) == expected
    assert client.get("/api/predictions/999999").status_code == 404
    erased = top["items"][0]["contact_id"]
    assert client.delete(f"/api/contacts/{erased}").status_code == 200
    with unit_of_work(engine, write=False) as uow:
        left = uow.conn.execute(
            select(contact_predictions.c.contact_id).where(
                contact_predictions.c.contact_id == erased
            )
        ).first()
    assert left is None, "erasure removes the prediction and its reasons too"
