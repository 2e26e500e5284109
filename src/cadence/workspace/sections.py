"""The registry of workspace sections: each capability adds one Section for its part of the file.

A section reads its part of the document (reporting every problem with its path), says
what applying it would change, applies it inside the caller's transaction, and exports the
current definitions. `document.read` and `service.apply` only loop over the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError


@dataclass(frozen=True)
class Section:
    """One part of the workspace file.

    ``keys``: the top-level keys it owns (e.g. ``("topics", "channels", "consent")``).
    ``read(raw_document) -> (parsed, errors)``: validate its keys of the raw document.
    ``plan(uow, parsed) -> dict``: what would change, e.g. {"updated": [...]} (empty = nothing).
    ``apply(uow, parsed, now) -> dict``: make it so; returns a report for the answer.
    ``export(uow) -> dict``: the current definitions under its keys.
    """

    name: str
    keys: tuple[str, ...]
    read: Callable[[Mapping[str, Any]], tuple[Any, list[FieldError]]]
    plan: Callable[[UnitOfWork, Any], dict[str, Any]]
    apply: Callable[[UnitOfWork, Any, int], dict[str, Any]]
    export: Callable[[UnitOfWork], dict[str, Any]]
    order: int = 100  # lower applies first (e.g. topics before segments that read consent)


REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    REGISTRY[section.name] = section
    return section


def sections() -> list[Section]:
    """Every registered section, in apply order."""
    from cadence.workspace import builtin  # noqa: F401  (registers the built-in sections)

    return sorted(REGISTRY.values(), key=lambda s: (s.order, s.name))
