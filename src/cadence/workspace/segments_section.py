"""The ``segments:`` section of the workspace file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError
from cadence.segments import config as segment_config
from cadence.segments import service as segments
from cadence.segments.config import SegmentSpec
from cadence.workspace.sections import Section, register


def read(raw: Mapping[str, Any]) -> tuple[list[SegmentSpec], list[FieldError]]:
    return segment_config.parse_section(raw.get("segments"))


def plan(uow: UnitOfWork, wanted_specs: list[SegmentSpec]) -> dict[str, Any]:
    """Created / updated / deleted / unchanged keys; refuses deletions others depend on."""
    stored = {s.key: s for s in segments.stored_specs(uow)}
    managed = set(segments.managed_keys(uow, "workspace"))
    wanted = {s.key: s for s in wanted_specs}
    result: dict[str, list[str]] = {"created": [], "updated": [], "deleted": [], "unchanged": []}
    for key, spec in wanted.items():
        before = stored.get(key)
        if before is None:
            result["created"].append(key)
        elif before.as_document() != spec.as_document():
            result["updated"].append(key)
        else:
            result["unchanged"].append(key)
    result["deleted"] = sorted(managed - set(wanted))
    _check_references(stored, wanted, result["deleted"])
    return dict(result)


def _check_references(
    stored: dict[str, SegmentSpec], wanted: dict[str, SegmentSpec], deleted: list[str]
) -> None:
    universe = {**{k: v for k, v in stored.items() if k not in deleted}, **wanted}
    kept = [(f"segments[{k}]", s) for k, s in universe.items() if k not in wanted]
    errors = segment_config.check_conditions(kept, universe=list(universe.values()))
    if errors:
        raise InputError(
            [FieldError(e.field, f"{e.message} (after this apply)") for e in errors],
            status=409,
            code="conflict",
        )


def apply(uow: UnitOfWork, wanted_specs: list[SegmentSpec], now: int) -> dict[str, Any]:
    result = plan(uow, wanted_specs)
    changing = set(result["created"]) | set(result["updated"])
    rebuilds: list[dict[str, Any]] = []
    for spec in segment_config.in_dependency_order(wanted_specs):
        if spec.key in changing:
            _, reports = segments.save(uow, spec, now=now, managed_by="workspace")
            rebuilds += [r.__dict__ for r in reports]
    for key in reversed(result["deleted"]):
        segments.remove(uow, key)
    return {**result, "rebuilds": rebuilds}


def export(uow: UnitOfWork) -> dict[str, Any]:
    return {"segments": [s.as_document() for s in segments.stored_specs(uow)]}


SECTION = register(
    Section(
        name="segments",
        keys=("segments",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=200,
    )
)
