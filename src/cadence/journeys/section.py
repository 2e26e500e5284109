"""The ``journeys:`` section of the workspace file (registered in workspace/builtin.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.journeys import service, store
from cadence.journeys.config import Known, parse_section
from cadence.journeys.models import Journey
from cadence.workspace.sections import Section, register

MANAGED_BY = "workspace"


def _keys(raw: Any) -> set[str] | None:
    if not isinstance(raw, list):
        return None
    return {
        item["key"]
        for item in raw
        if isinstance(item, Mapping) and isinstance(item.get("key"), str)
    }


def read(raw: Mapping[str, Any]) -> tuple[list[Journey], list[FieldError]]:
    """Messages and segments named must be in the same file, when the file lists them."""
    known = Known(messages=_keys(raw.get("messages")), segments=_keys(raw.get("segments")))
    return parse_section(raw.get("journeys"), known)


def plan(uow: UnitOfWork, wanted: list[Journey]) -> dict[str, Any]:
    stored = {s.journey.key: s for s in store.current(uow)}
    result: dict[str, list[str]] = {"created": [], "updated": [], "deleted": [], "unchanged": []}
    for journey in wanted:
        before = stored.get(journey.key)
        if before is None:
            result["created"].append(journey.key)
        elif store.same(before.journey.as_document(), journey.as_document()):
            result["unchanged"].append(journey.key)
        else:
            result["updated"].append(journey.key)
    keys = {j.key for j in wanted}
    result["deleted"] = [
        k for k, s in stored.items() if s.managed_by == MANAGED_BY and k not in keys
    ]
    return {name: sorted(items) for name, items in result.items()}


def apply(uow: UnitOfWork, wanted: list[Journey], now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    for journey in wanted:
        service.save(uow, journey, managed_by=MANAGED_BY, now=now)
    for key in result["deleted"]:
        service.delete(uow, key, now=now)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    found = store.current(uow)
    return {"journeys": [s.journey.as_document() for s in found]} if found else {}


SECTION = register(
    Section(
        name="journeys",
        keys=("journeys",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=500,  # after messages and segments, which journeys name
    )
)
