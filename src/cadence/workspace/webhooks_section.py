"""The ``webhooks:`` section of the workspace file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.webhooks import service
from cadence.webhooks.config import Webhook, parse
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[list[Webhook], list[FieldError]]:
    return parse(raw.get("webhooks"))


def plan(uow: UnitOfWork, wanted: list[Webhook]) -> dict[str, Any]:
    current = {h.key: h for h in service.load(uow)}
    keys = {h.key: h for h in wanted}
    return {
        "created": sorted(set(keys) - set(current)),
        "updated": sorted(k for k in set(keys) & set(current) if keys[k] != current[k]),
        "deleted": sorted(set(current) - set(keys)),
    }


def apply(uow: UnitOfWork, wanted: list[Webhook], now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    service.store(uow, wanted)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    hooks = service.load(uow)
    return {"webhooks": [h.as_document() for h in hooks]} if hooks else {}


SECTION = register(
    Section(
        name="webhooks",
        keys=("webhooks",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=300,
    )
)
