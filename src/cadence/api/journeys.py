"""REST: journeys (versioned on change), manual enrolment and analytics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.journeys import service
from cadence.runtime import now_millis

router = APIRouter(tags=["journeys"])


class Enrol(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_ids: list[int] = Field(min_length=1, max_length=10_000)


@router.get("/api/journeys", summary="Every live journey (its current version)")
def list_journeys(uow: Work, _: Admin) -> dict[str, Any]:
    return {"items": service.list_journeys(uow)}


@router.get("/api/journeys/{key}", summary="One journey")
def get_journey(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return service.get_journey(uow, key)


@router.put("/api/journeys/{key}", summary="Create or change a journey (a change is a new version)")
def put_journey(key: str, uow: Work, _: Admin, body: Annotated[Any, Body()]) -> dict[str, Any]:
    journey = service.validate(uow, body, key=key)
    return service.save(uow, journey, managed_by="api", now=now_millis())


@router.delete("/api/journeys/{key}", summary="Stop a journey; contacts inside exit")
def delete_journey(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return service.delete(uow, key, now=now_millis())


@router.post("/api/journeys/{key}/enrol", summary="Enrol contacts (re-entry policy applies)")
def enrol(key: str, uow: Work, _: Admin, body: Enrol) -> dict[str, Any]:
    return service.enrol(uow, key, contact_ids=body.contact_ids, now=now_millis())


@router.get(
    "/api/journeys/{key}/stats", summary="Contacts per step, conversion per path and variant"
)
def stats(key: str, uow: Work, _: Admin) -> dict[str, Any]:
    return service.stats(uow, key)
