"""REST: decide, reward, and the decision points' summaries, log and off-policy evaluation."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.contacts.service import lookup, resolve_id
from cadence.db.engine import UnitOfWork
from cadence.decisions import reports, service, store
from cadence.decisions.batching import GroupCommit
from cadence.errors import FieldError, InputError, NotFound
from cadence.runtime import now_millis

router = APIRouter(tags=["decisions"])
Scalar = str | int | float | bool | None


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(min_length=1, max_length=128, description="the decision point's key")
    contact: dict[str, str | int] | None = Field(
        default=None, description='{"id": 1}, {"user_id": ...}, {"email": ...} or omitted'
    )
    context: dict[str, Scalar | list[Scalar] | dict[str, Scalar]] = Field(default_factory=dict)
    eligible: list[str] | None = Field(default=None, description="default: every option")
    source: str | None = Field(default=None, max_length=128)


class RewardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float = Field(allow_inf_nan=False)


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: Literal["uniform", "fixed", "current"]
    option: str | None = Field(default=None, description="the option a fixed policy always picks")
    version: int | None = Field(default=None, ge=1, description="default: the current version")
    confidence: float = Field(default=0.95, gt=0, lt=1)


def _contact(uow: UnitOfWork, ref: dict[str, str | int] | None) -> int | None:
    """The live contact a reference names; None when there is none or it is unknown."""
    if not ref:
        return None
    if len(ref) != 1:
        raise InputError([FieldError("contact", "give exactly one of id, user_id, email")])
    ((kind, value),) = ref.items()
    if kind not in ("id", "user_id", "email", "anonymous_id"):
        raise InputError([FieldError(f"contact.{kind}", "use id, user_id, email or anonymous_id")])
    try:
        if kind == "id":
            if not isinstance(value, int):
                raise InputError([FieldError("contact.id", "must be an integer")])
            return resolve_id(uow, value)
        return lookup(uow, kind=kind, value=str(value))
    except NotFound:
        return None  # an unknown visitor: decide on the context alone


def _committer(request: Request) -> GroupCommit[dict[str, Any]]:
    """The app's group commit for decisions (made on first use: one per process)."""
    state = request.app.state
    with _MAKING:
        if getattr(state, "decision_commit", None) is None:
            state.decision_commit = GroupCommit[dict[str, Any]](state.engine)
    committer: GroupCommit[dict[str, Any]] = state.decision_commit
    return committer


_MAKING = threading.Lock()


@router.post("/api/decide", summary="Choose an option at a decision point (logged)")
def decide(body: DecideIn, request: Request, _: Admin) -> dict[str, Any]:
    def work(uow: UnitOfWork) -> dict[str, Any]:
        contact_id = _contact(uow, body.contact)
        chosen = service.choose(
            uow,
            point=body.decision,
            contact_id=contact_id,
            eligible=body.eligible,
            context=body.context,
            at=now_millis(),
            source=body.source or "api",
        )
        return {
            "option": chosen.option,
            "decision_id": chosen.decision_id,
            "propensity": chosen.propensity,
            "contact_id": contact_id,
        }

    # Answered once committed; concurrent requests share the commit (see batching).
    return _committer(request).run(work)


@router.post("/api/decisions/{decision_id}/reward", summary="Report a decision's outcome")
def reward(decision_id: int, body: RewardIn, uow: Work, _: Admin) -> dict[str, Any]:
    service.reward(uow, decision_id=decision_id, value=body.value, at=now_millis())
    return {"decision_id": decision_id, "reward": body.value}


@router.get("/api/decision-points", summary="Decision points with counts, shares, mean reward")
def points(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": [reports.summary(uow, p) for p in store.load_points(uow)]}


@router.get("/api/decision-points/{key}", summary="One decision point with its counts")
def point(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return reports.summary(uow, reports.require_point(uow, key))


@router.get("/api/decision-points/{key}/log", summary="The decision log, logged-bandit form")
def log(
    key: str,
    uow: Work,
    _: Admin,
    after: Annotated[int, Query(ge=0, description="the last decision_id already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    point = reports.require_point(uow, key)
    return reports.log_page(uow, point, version=version, after=after, limit=limit)


@router.post("/api/decision-points/{key}/evaluate", summary="Off-policy estimates of a policy")
def evaluate(key: str, body: EvaluateIn, uow: Work, _: Admin) -> dict[str, Any]:
    point = reports.require_point(uow, key)
    if body.policy == "fixed" and body.option is None:
        raise InputError([FieldError("option", "a fixed policy needs the option it picks")])
    return reports.evaluate(
        uow,
        point,
        policy=body.policy,
        option=body.option,
        version=body.version,
        confidence=body.confidence,
    )
