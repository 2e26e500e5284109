"""Journeys as values: steps, triggers, re-entry and goal (no storage here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

STEP_TYPES: Final = (
    "wait",
    "condition",
    "random",
    "adaptive",
    "send",
    "set_trait",
    "add_to_list",
    "notify_owner",
    "lifecycle",
    "goal",
    "exit",
)


@dataclass(frozen=True)
class Branch:
    """One outgoing branch of a random split (``weight``) or an adaptive step (``message``)."""

    key: str
    next: str | None
    weight: float = 1.0
    message: str | None = None


@dataclass(frozen=True)
class Step:
    """A node of the graph; ``spec`` holds its type-specific, already validated fields."""

    id: str
    type: str
    next: str | None = None
    spec: Mapping[str, Any] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()


DAY_MS: Final = 86_400_000


@dataclass(frozen=True)
class Trigger:
    """``kind``: event | segment_entered | segment_exited | stage | date_trait | manual.

    An event trigger ignores events older than ``max_age_ms`` when they arrive (replayed or
    imported history starts nothing); ``None`` accepts events of any age.
    """

    kind: str
    value: str = ""
    where: Mapping[str, Any] = field(default_factory=dict)
    max_age_ms: int | None = DAY_MS


@dataclass(frozen=True)
class Reentry:
    """once | always | every (``days`` between two entries)."""

    policy: str = "once"
    days: int = 0


@dataclass(frozen=True)
class Goal:
    event: str | None = None
    condition: Any = None


@dataclass(frozen=True)
class Journey:
    key: str
    steps: tuple[Step, ...]
    triggers: tuple[Trigger, ...] = ()
    reentry: Reentry = Reentry()
    goal: Goal | None = None
    name: str = ""
    document: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def start(self) -> str:
        return self.steps[0].id

    @cached_property
    def by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    def step(self, step_id: str) -> Step | None:
        return self.by_id.get(step_id)

    def as_document(self) -> dict[str, Any]:
        return dict(self.document)
