"""The ``scoring:``, ``grading:`` and ``lifecycle:`` sections: changing them rescores everybody."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.scoring import rescore, settings
from cadence.scoring.settings import LeadSettings
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[LeadSettings | None, list[FieldError]]:
    return settings.read_sections(raw)


def plan(uow: UnitOfWork, wanted: LeadSettings | None) -> dict[str, Any]:
    assert wanted is not None
    current = settings.load(uow)
    changed = [
        k for k in ("scoring", "grading", "lifecycle") if current.raw.get(k) != wanted.raw.get(k)
    ]
    return {"updated": changed}


def apply(uow: UnitOfWork, wanted: LeadSettings | None, now: int) -> dict[str, Any]:
    assert wanted is not None
    changed = plan(uow, wanted)["updated"]
    if not changed:
        return {"updated": []}
    settings.store(uow, wanted)
    report = rescore.rescore_all(uow, settings=wanted, now=now)
    return {"updated": changed, "rescored": report}


def export(uow: UnitOfWork) -> dict[str, Any]:
    return dict(settings.load(uow).raw)


SECTION = register(
    Section(
        name="leads",
        keys=("scoring", "grading", "lifecycle"),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=100,
    )
)
