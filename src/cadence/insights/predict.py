"""Predicted conversion per contact: the stored predictions of the active model."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contact_predictions, model_versions
from cadence.errors import NotFound
from cadence.insights.models import Contribution, Metrics, ModelVersion, Prediction

_M = model_versions.c
_COLUMNS = (
    _M.id,
    _M.kind,
    _M.active,
    millis(_M.trained_at).label("trained_at"),
    _M.horizon_days,
    millis(_M.cutoff).label("cutoff"),
    _M.summary,
)


def _metrics(raw: dict[str, Any]) -> Metrics:
    return Metrics(
        auc=raw.get("auc"),
        brier=raw.get("brier"),
        reliability=tuple((float(p), float(o), int(n)) for p, o, n in raw.get("reliability", [])),
    )


def _version(row: Any) -> ModelVersion:
    s = row.summary
    return ModelVersion(
        id=row.id,
        kind=row.kind,
        active=bool(row.active),
        trained_at=int(row.trained_at),
        horizon_days=row.horizon_days,
        cutoff=int(row.cutoff),
        n_train=s["n_train"],
        n_test=s["n_test"],
        positives_train=s["positives_train"],
        positives_test=s["positives_test"],
        metrics=_metrics(s["metrics"]),
        rule_score_metrics=_metrics(s["rule_score_metrics"]),
        features=tuple(s["features"]),
    )


def version_of(uow: UnitOfWork, version_id: int) -> ModelVersion:
    row = uow.conn.execute(sa.select(*_COLUMNS).where(_M.id == version_id)).first()
    if row is None:
        raise NotFound("model version")
    return _version(row)


def models(uow: UnitOfWork) -> list[ModelVersion]:
    """Every trained model version, newest first, with its metrics."""
    rows = uow.conn.execute(sa.select(*_COLUMNS).order_by(_M.id.desc()))
    return [_version(row) for row in rows]


def active_model(uow: UnitOfWork) -> ModelVersion | None:
    """The model version whose predictions are in use."""
    row = uow.conn.execute(sa.select(*_COLUMNS).where(_M.active.is_(sa.true()))).first()
    return None if row is None else _version(row)


def prediction(uow: UnitOfWork, *, contact_id: int) -> Prediction | None:
    """The contact's stored prediction from the active model (None before any training)."""
    p = contact_predictions.c
    row = uow.conn.execute(
        sa.select(
            p.contact_id,
            p.probability,
            p.model_version,
            millis(p.scored_at).label("scored_at"),
            p.contributions,
        ).where(p.contact_id == contact_id)
    ).first()
    if row is None:
        return None
    return Prediction(
        contact_id=row.contact_id,
        probability=float(row.probability),
        model_version=int(row.model_version),
        scored_at=int(row.scored_at),
        contributions=tuple(
            Contribution(c["feature"], c["label"], float(c["value"]), float(c["effect"]))
            for c in row.contributions
        ),
    )
