"""REST: scores explained, the score x grade matrix, lifecycle actions and reports, CRM input."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.contacts.service import lookup, resolve_id
from cadence.db.engine import unit_of_work
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis
from cadence.scoring import queries
from cadence.scoring import settings as lead_settings

router = APIRouter(tags=["leads"])
Action = Literal["accept", "reject", "opportunity", "customer", "recycle"]


class LifecycleAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Action
    reason: str = Field(default="", max_length=2000)
    by: str = Field(default="api", min_length=1, max_length=128, description="who decided")


class CrmUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact: dict[str, str | int] = Field(
        description='{"id": 1} or {"email": ...} or {"user_id": ...}'
    )
    action: Action
    reason: str = Field(default="", max_length=2000)
    by: str = Field(default="crm", max_length=128)


@router.get("/api/contacts/{contact_id}/score", summary="Why this lead has its score and grade")
def explain(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    live = resolve_id(uow, contact_id)
    return queries.explain(uow, live, lead_settings.load(uow), now_millis())


@router.get("/api/contacts/{contact_id}/lifecycle", summary="Lifecycle stage and its history")
def lifecycle_history(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    live = resolve_id(uow, contact_id)
    return {"items": queries.history(uow, live)}


@router.post("/api/contacts/{contact_id}/lifecycle", summary="Sales accepts or rejects an MQL, ...")
def lifecycle_action(contact_id: int, body: LifecycleAction, uow: Work, _: Admin) -> dict[str, Any]:
    live = resolve_id(uow, contact_id)
    return queries.act(
        uow, live, action=body.action, reason=body.reason, actor=body.by, now=now_millis()
    )


@router.get("/api/leads/matrix", summary="Contacts per score x grade cell (A1 ... E5)")
def matrix(uow: Work, _: Admin) -> dict[str, Any]:
    return queries.matrix(uow)


@router.get("/api/reports/lifecycle", summary="Stages, transitions per day, conversions, SLA")
def report(uow: Work, _: Admin, days: Annotated[int, Query(ge=1, le=730)] = 90) -> dict[str, Any]:
    return queries.report(uow, settings=lead_settings.load(uow), now=now_millis(), days=days)


@router.post(
    "/api/webhooks/crm",
    summary="Inbound CRM update (HMAC-SHA256 of the body in X-Cadence-Signature)",
)
async def crm(request: Request) -> dict[str, Any]:
    secret = request.app.state.settings.crm_webhook_secret
    body = await request.body()
    if not secret:
        raise InputError(
            [FieldError("configuration", "set CADENCE_CRM_WEBHOOK_SECRET to accept CRM calls")],
            status=403,
            code="forbidden",
        )
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get("x-cadence-signature", "")
    if not hmac.compare_digest(expected, given):
        raise InputError(
            [FieldError("X-Cadence-Signature", "missing or wrong signature")],
            status=401,
            code="unauthorized",
        )
    try:
        update = CrmUpdate.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValueError) as error:
        raise InputError([FieldError("body", f"not a CRM update: {error}")]) from error
    with unit_of_work(request.app.state.engine) as uow:
        contact_id = _find(uow, update.contact)
        return queries.act(
            uow,
            contact_id,
            action=update.action,
            reason=update.reason,
            actor=update.by,
            now=now_millis(),
        )


def _find(uow: Any, ref: dict[str, str | int]) -> int:
    if "id" in ref:
        return resolve_id(uow, int(ref["id"]))
    for kind in ("email", "user_id"):
        if kind in ref:
            return lookup(uow, kind=kind, value=str(ref[kind]))
    raise InputError([FieldError("contact", "give id, email or user_id")])
