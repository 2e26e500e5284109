"""The ``forms:`` section of the workspace file (subscribe forms and their incentives)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.forms import service
from cadence.forms.config import FormSpec, as_document, parse_section
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[list[FormSpec], list[FieldError]]:
    return parse_section(raw)


def plan(uow: UnitOfWork, wanted: list[FormSpec]) -> dict[str, Any]:
    current = {f.key: as_document(f) for f in service.load_forms(uow)}
    keys = {f.key: as_document(f) for f in wanted}
    return {
        "created": sorted(set(keys) - set(current)),
        "updated": sorted(k for k in set(keys) & set(current) if keys[k] != current[k]),
        "deleted": sorted(set(current) - set(keys)),
    }


def apply(uow: UnitOfWork, wanted: list[FormSpec], now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    service.save_forms(uow, forms=wanted, now=now)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    forms = service.load_forms(uow)
    return {"forms": [as_document(f) for f in forms]} if forms else {}


SECTION = register(
    Section(
        name="forms",
        keys=("forms",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=60,  # after the topics and channels it offers
    )
)
