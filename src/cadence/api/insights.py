"""REST: suggested actions (and their one-click apply), predicted conversion, model versions."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.contacts.service import resolve_id
from cadence.db.tables import contact_predictions
from cadence.errors import NotFound
from cadence.insights import predict, service, training
from cadence.runtime import now_millis

router = APIRouter(tags=["insights"])


class ApplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(default="api", min_length=1, max_length=255, description="who applied it")
    owners: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="for assign_owner: the owners to rotate over (default: owners in use)",
    )


class TrainBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(
        default=training.HORIZON_DAYS, ge=1, le=365, description="conversion within N days"
    )


@router.get("/api/suggestions", summary="Suggested actions with reasons, evidence and contacts")
def list_suggestions(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": [s.as_dict() for s in service.suggestions(uow, now=now_millis())]}


@router.post("/api/suggestions/{suggestion_id}/apply", summary="Apply a suggestion's safe action")
def apply_suggestion(
    suggestion_id: str, uow: Work, _: Admin, body: ApplyBody | None = None
) -> dict[str, Any]:
    body = body or ApplyBody()
    params = {"owners": body.owners} if body.owners is not None else None
    applied = service.apply_suggestion(
        uow, suggestion_id=suggestion_id, actor=body.by, now=now_millis(), params=params
    )
    return {
        "suggestion_id": applied.suggestion_id,
        "action": applied.action,
        "changed": applied.changed,
        "detail": applied.detail,
    }


@router.get("/api/predictions", summary="Contacts most likely to convert (active model)")
def top_predictions(
    uow: Work,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    min_probability: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> dict[str, Any]:
    p = contact_predictions.c
    ids = uow.conn.scalars(
        sa.select(p.contact_id)
        .where(p.probability >= min_probability)
        .order_by(p.probability.desc(), p.contact_id)
        .limit(limit)
    )
    found = [predict.prediction(uow, contact_id=cid) for cid in ids]
    model = predict.active_model(uow)
    return {
        "model": None if model is None else model.as_dict(),
        "items": [f.as_dict() for f in found if f is not None],
    }


@router.get(
    "/api/predictions/{contact_id}", summary="A contact's predicted conversion and its reasons"
)
def contact_prediction(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    live = resolve_id(uow, contact_id)
    found = predict.prediction(uow, contact_id=live)
    if found is None:
        raise NotFound("prediction", field="contact_id")
    return found.as_dict()


@router.get("/api/models", summary="Model versions with their metrics beside the rule score's")
def list_models(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": [v.as_dict() for v in predict.models(uow)]}


@router.post("/api/models/train", status_code=201, summary="Train, compare and activate models")
def train_models(request: Request, _: Admin, body: TrainBody | None = None) -> dict[str, Any]:
    body = body or TrainBody()
    versions = training.train_and_store(
        request.app.state.engine, now=now_millis(), horizon_days=body.horizon_days
    )
    return {"items": [v.as_dict() for v in versions]}
