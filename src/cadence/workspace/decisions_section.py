"""The ``decisions:`` section of the workspace file (decision points for the decision API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.decisions import store
from cadence.decisions.config import PointSpec, parse
from cadence.errors import FieldError, InputError
from cadence.workspace.sections import Section, register

MANAGER = "workspace"


def read(raw: Mapping[str, Any]) -> tuple[list[PointSpec], list[FieldError]]:
    return parse(raw.get("decisions"))


def plan(uow: UnitOfWork, wanted: list[PointSpec]) -> dict[str, Any]:
    """What applying would change; refuses a key that a journey's point already uses."""
    current = {p.spec.key: p for p in store.load_points(uow, managed_by=MANAGER)}
    taken = {p.spec.key for p in store.load_points(uow) if p.managed_by != MANAGER}
    conflicts = [i for i, p in enumerate(wanted) if p.key in taken]
    if conflicts:
        raise InputError(
            [FieldError(f"decisions[{i}].key", "already used by a journey") for i in conflicts]
        )
    keys = {p.key: p for p in wanted}
    model = ("options", "features", "algorithm")
    kept = set(keys) & set(current)
    return {
        "created": sorted(set(keys) - set(current)),
        "updated": sorted(k for k in kept if keys[k] != current[k].spec),
        "new_version": sorted(
            k
            for k in kept
            if any(getattr(keys[k], f) != getattr(current[k].spec, f) for f in model)
        ),
        "deleted": sorted(set(current) - set(keys)),
    }


def apply(uow: UnitOfWork, wanted: list[PointSpec], now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    for spec in wanted:
        store.save_point(uow, spec=spec, managed_by=MANAGER, now=now)
    for key in result["deleted"]:  # retired: the models and the log stay for evaluation
        store.retire_point(uow, key, now=now)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    points = store.load_points(uow, managed_by=MANAGER)
    return {"decisions": [p.spec.as_document() for p in points]} if points else {}


SECTION = register(
    Section(
        name="decisions",
        keys=("decisions",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=400,
    )
)
