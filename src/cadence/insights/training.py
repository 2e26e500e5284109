"""Train both conversion models on history, keep them with their metrics, score every contact."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sklearn.base import ClassifierMixin  # type: ignore[import-untyped]
from sqlalchemy import Engine

from cadence.db.bulk import chunks, update_many
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import contact_predictions, contacts, model_versions
from cadence.errors import FieldError, InputError
from cadence.insights import learn
from cadence.insights.features import (
    ContactHistory,
    FeatureSpace,
    label,
    prepare,
    snapshot_rows,
    snapshot_times,
    vector,
)
from cadence.insights.history import load_histories
from cadence.insights.models import Metrics, ModelVersion
from cadence.insights.predict import version_of
from cadence.scoring import settings as lead_settings
from cadence.scoring.config import DAY_MS
from cadence.segments.membership import Touch, update_memberships

HORIZON_DAYS = 30
STEP_DAYS = 7


@dataclass(frozen=True)
class Fitted:
    """What is pickled into model_versions.model (written and read only by us)."""

    kind: str
    model: ClassifierMixin
    space: FeatureSpace
    baseline: np.ndarray


@dataclass(frozen=True)
class Candidate:
    """One trained kind: its metrics on the split and the model refit on all labelled rows."""

    fitted: Fitted
    summary: dict[str, Any]


@dataclass(frozen=True)
class Trained:
    """Everything a training run found, ready to be stored in one short write."""

    now: int
    horizon_days: int
    cutoff: int
    candidates: tuple[Candidate, ...]
    best: str
    predictions: tuple[dict[str, Any], ...]


def fit_models(
    uow: UnitOfWork, *, now: int, horizon_days: int = HORIZON_DAYS, step_days: int = STEP_DAYS
) -> Trained:
    """Fit both kinds, evaluate them on the later part of history, pick the better one (by
    test AUC), refit both on all labelled history and score every contact with the better
    one. Reads only: run it in a read transaction, then ``store`` the result."""
    settings = lead_settings.load(uow)
    space, histories = load_histories(uow, settings=settings, now=now)
    horizon = horizon_days * DAY_MS
    starts = [h.events[0].ts for h in histories.values() if h.events]
    times = (
        snapshot_times(start=min(starts), end=now, horizon_ms=horizon, step_ms=step_days * DAY_MS)
        if starts
        else []
    )
    data = snapshot_rows(space=space, histories=histories, times=times, horizon_ms=horizon)
    split = learn.time_split(data, horizon_ms=horizon)
    _check_enough(data.y[split.train], data.y[split.test], horizon_days)
    labelled = data.at + horizon <= now
    x, y = data.x[labelled], data.y[labelled]
    candidates = []
    for kind in learn.KINDS:
        setting, model_metrics, rule_metrics = learn.evaluate_split(
            kind, data, split, horizon_ms=horizon
        )
        summary = {
            "n_train": int(split.train.sum()),
            "n_test": int(split.test.sum()),
            "positives_train": int(data.y[split.train].sum()),
            "positives_test": int(data.y[split.test].sum()),
            "metrics": _metrics_json(model_metrics),
            "rule_score_metrics": _metrics_json(rule_metrics),
            "features": list(space.names),
            "setting": setting,
        }
        fitted = Fitted(kind, learn.fit(kind, x, y, setting), space, x.mean(axis=0))
        candidates.append(Candidate(fitted, summary))
    best = max(
        candidates,
        key=lambda c: (c.summary["metrics"]["auc"] or 0.0, c.fitted.kind == "logistic"),
    )
    return Trained(
        now=now,
        horizon_days=horizon_days,
        cutoff=split.cutoff,
        candidates=tuple(candidates),
        best=best.fitted.kind,
        predictions=tuple(predict_all(best.fitted, histories, now)),
    )


def store(uow: UnitOfWork, trained: Trained) -> list[ModelVersion]:
    """Keep both versions, make the better one active and write its predictions."""
    uow.conn.execute(sa.update(model_versions).values(active=False))
    versions: list[ModelVersion] = []
    for candidate in trained.candidates:
        kind = candidate.fitted.kind
        new_id = uow.conn.execute(
            sa.insert(model_versions)
            .values(
                kind=kind,
                active=kind == trained.best,
                trained_at=trained.now,
                horizon_days=trained.horizon_days,
                cutoff=trained.cutoff,
                summary=candidate.summary,
                model=pickle.dumps(candidate.fitted),
            )
            .returning(model_versions.c.id)
        ).scalar_one()
        if kind == trained.best:
            write_predictions(uow, version=new_id, predictions=trained.predictions)
            _move_segments(uow, trained)
        versions.append(version_of(uow, new_id))
    return versions


def train_and_store(
    engine: Engine, *, now: int, horizon_days: int = HORIZON_DAYS
) -> list[ModelVersion]:
    """Read and fit in a read transaction, then store in a short write one (the edge's
    helper: the database is not locked for writes while the models fit)."""
    with unit_of_work(engine, write=False) as uow:
        trained = fit_models(uow, now=now, horizon_days=horizon_days)
    with unit_of_work(engine) as uow:
        return store(uow, trained)


def _move_segments(uow: UnitOfWork, trained: Trained) -> None:
    """Segments whose condition reads predicted_conversion follow the new probabilities."""
    # columns=True (every column-reading segment is re-checked for these contacts): the
    # narrower ``ingested`` hint is not carried through segments' own batching today
    touch = Touch(columns=True, cause="predicted conversion updated")
    update_memberships(
        uow,
        {r["contact_id"]: touch for r in trained.predictions},
        now=trained.now,
        half_life_days=lead_settings.load(uow).half_life_days,
    )


def train(
    uow: UnitOfWork, *, now: int, horizon_days: int = HORIZON_DAYS, step_days: int = STEP_DAYS
) -> list[ModelVersion]:
    """fit_models then store, in one transaction (for tests and small databases)."""
    return store(uow, fit_models(uow, now=now, horizon_days=horizon_days, step_days=step_days))


def _check_enough(train_y: np.ndarray, test_y: np.ndarray, horizon_days: int) -> None:
    for part, y in (("training", train_y), ("test", test_y)):
        if len(np.unique(y)) < 2:
            raise InputError(
                [
                    FieldError(
                        "history",
                        f"not enough history to train: the {part} part needs contacts who "
                        f"converted within {horizon_days} days and contacts who did not "
                        f"({int(y.sum())} of {len(y)} rows converted)",
                    )
                ],
                code="not_enough_history",
                status=409,
            )


def _metrics_json(m: Metrics) -> dict[str, object]:
    return {"auc": m.auc, "brier": m.brier, "reliability": [list(b) for b in m.reliability]}


def predict_all(
    fitted: Fitted, histories: Mapping[int, ContactHistory], now: int
) -> list[dict[str, Any]]:
    """Every contact's probability now, with its strongest reasons in marketer words."""
    space = fitted.space
    records: list[dict[str, Any]] = []
    for ids in chunks(sorted(histories), 2000):
        x = np.array(
            [vector(space, prepare(space, histories[c]), histories[c].fits, now) for c in ids],
            dtype=np.float64,
        ).reshape(len(ids), len(space.names))
        probability, effects = learn.contributions(fitted.model, x, fitted.baseline)
        for i, cid in enumerate(ids):
            records.append(
                {
                    "contact_id": cid,
                    "probability": float(probability[i]),
                    "contributions": [
                        {
                            "feature": space.names[j],
                            "label": label(space, space.names[j], float(x[i, j])),
                            "value": float(x[i, j]),
                            "effect": round(float(effects[i, j]), 4),
                        }
                        for j in learn.top_effects(effects[i])
                    ],
                    "scored_at": now,
                }
            )
    return records


def write_predictions(
    uow: UnitOfWork, *, version: int, predictions: Sequence[dict[str, Any]]
) -> None:
    """Replace every stored prediction (and contacts.predicted_conversion)."""
    uow.conn.execute(sa.delete(contact_predictions))
    uow.conn.execute(sa.update(contacts).values(predicted_conversion=None))
    for found in chunks(predictions, 2000):
        # contacts erased or merged away since the read are left out
        live = set(
            uow.conn.scalars(
                sa.select(contacts.c.id).where(
                    contacts.c.id.in_([r["contact_id"] for r in found]),
                    contacts.c.merged_into.is_(None),
                )
            )
        )
        batch = [r for r in found if r["contact_id"] in live]
        if not batch:
            continue
        uow.conn.execute(
            sa.insert(contact_predictions), [{**r, "model_version": version} for r in batch]
        )
        update_many(
            uow.conn,
            "contacts",
            ("predicted_conversion",),
            "id",
            [(r["probability"], r["contact_id"]) for r in batch],
        )
