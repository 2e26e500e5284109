"""The ``policy:`` section of the workspace file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.policy import service
from cadence.policy.config import parse
from cadence.policy.models import Policy
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[Policy, list[FieldError]]:
    return parse(raw.get("policy"))


def plan(uow: UnitOfWork, wanted: Policy) -> dict[str, Any]:
    return {"updated": ["policy"]} if service.load(uow) != wanted else {}


def apply(uow: UnitOfWork, wanted: Policy, now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    service.store(uow, wanted)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    document = service.load(uow).as_document()
    return {"policy": document} if document else {}


SECTION = register(
    Section(
        name="policy", keys=("policy",), read=read, plan=plan, apply=apply, export=export, order=450
    )
)
