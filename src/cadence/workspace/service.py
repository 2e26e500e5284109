"""Plan, apply and export the workspace: applying the same file twice changes nothing."""

from __future__ import annotations

from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.workspace.document import Workspace
from cadence.workspace.sections import sections


def _count(report: dict[str, Any]) -> int:
    return sum(len(v) for k, v in report.items() if k in ("created", "updated", "deleted"))


def apply(
    uow: UnitOfWork, workspace: Workspace, *, now: int, dry_run: bool = False
) -> dict[str, Any]:
    """Make the stored definitions equal to the document, in the caller's one transaction.

    Every section is planned first (a section may refuse, e.g. a deletion others depend
    on), so nothing is written unless the whole document can be applied.
    """
    plans = {s.name: s.plan(uow, workspace.parts[s.name]) for s in sections()}
    changes = sum(_count(p) for p in plans.values())
    if dry_run or changes == 0:
        return {**plans, "changes": changes, "applied": False}
    reports = {s.name: s.apply(uow, workspace.parts[s.name], now) for s in sections()}
    return {**reports, "changes": changes, "applied": True}


def export(uow: UnitOfWork) -> dict[str, Any]:
    """The current definitions as a workspace document."""
    document: dict[str, Any] = {}
    for section in sections():
        document.update(section.export(uow))
    return document
