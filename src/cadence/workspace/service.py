"""Plan, apply and export the workspace: applying the same file twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError
from cadence.segments import config as segment_config
from cadence.segments import service as segments
from cadence.workspace.document import Workspace


@dataclass
class Plan:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rebuilds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)

    def as_dict(self) -> dict[str, Any]:
        return {
            "segments": {
                "created": self.created,
                "updated": self.updated,
                "deleted": self.deleted,
                "unchanged": self.unchanged,
            },
            "rebuilds": self.rebuilds,
            "changes": self.changes,
        }


def plan(uow: UnitOfWork, workspace: Workspace) -> Plan:
    """What applying ``workspace`` would change (nothing is written)."""
    stored = {s.key: s for s in segments.stored_specs(uow)}
    managed = set(segments.managed_keys(uow, "workspace"))
    wanted = {s.key: s for s in workspace.segments}
    result = Plan()
    for key, spec in wanted.items():
        before = stored.get(key)
        if before is None:
            result.created.append(key)
        elif before.as_document() != spec.as_document():
            result.updated.append(key)
        else:
            result.unchanged.append(key)
    result.deleted = sorted(managed - set(wanted))
    _check_references(stored, wanted, result.deleted)
    return result


def _check_references(
    stored: dict[str, segment_config.SegmentSpec],
    wanted: dict[str, segment_config.SegmentSpec],
    deleted: list[str],
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


def apply(uow: UnitOfWork, workspace: Workspace, *, now: int, dry_run: bool = False) -> Plan:
    """Make the stored definitions equal to the document, in the caller's one transaction."""
    result = plan(uow, workspace)
    if dry_run or result.changes == 0:
        return result
    changing = set(result.created) | set(result.updated)
    for spec in segment_config.in_dependency_order(workspace.segments):
        if spec.key in changing:
            _, reports = segments.save(uow, spec, now=now, managed_by="workspace")
            result.rebuilds += [r.__dict__ for r in reports]
    for key in reversed(result.deleted):
        segments.remove(uow, key)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    """The current definitions as a workspace document."""
    return {"segments": [s.as_document() for s in segments.stored_specs(uow)]}
