"""REST: tasks for people made by the phone and direct-mail channels, and the mailing file."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.deps import Admin, Work
from cadence.channels import tasks
from cadence.runtime import now_millis

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str | None = Field(default=None, max_length=2000, description="what came of it")


@router.get(
    "", summary="Tasks (calls and journey follow-ups for sales owners, letters), oldest first"
)
def list_tasks(
    uow: Work,
    _: Admin,
    kind: Literal["call", "letter", "follow_up"] | None = None,
    status: Literal["open", "done"] | None = "open",
    owner: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    items = tasks.list_tasks(uow, kind=kind, status=status, owner=owner, after=after, limit=limit)
    return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}


@router.post("/{task_id}/complete", summary="Mark a task done, with what came of it")
def complete(task_id: int, body: CompleteIn, uow: Work, _: Admin) -> dict[str, Any]:
    return tasks.complete_task(uow, task_id=task_id, outcome=body.outcome, now=now_millis())


@router.get("/mailing.csv", summary="The mailing file: open letters with postal addresses (CSV)")
def mailing_file(uow: Work, _: Admin, status: Literal["open", "done"] = "open") -> Response:
    body = tasks.mailing_csv(tasks.mailing_rows(uow, status=status))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mailing.csv"'},
    )
