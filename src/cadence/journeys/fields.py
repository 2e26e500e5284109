"""Shared pieces of the journey document: keys, stages, durations, known names, conditions."""

from __future__ import annotations

import re
from typing import Any, Final

from cadence.conditions import validate_condition
from cadence.errors import FieldError

KEY: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION: Final = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNIT_MS: Final = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
STAGES: Final = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture")


class Known:
    """The messages and segments a journey may name (None: not checked here)."""

    def __init__(self, messages: set[str] | None = None, segments: set[str] | None = None):
        self.messages = messages
        self.segments = segments


def parse_duration(raw: Any) -> int | None:
    """``"30m"``, ``"2h"``, ``"7d"``, ``"1w"`` to milliseconds (None when malformed)."""
    match = _DURATION.match(raw.strip()) if isinstance(raw, str) else None
    return int(match[1]) * _UNIT_MS[match[2]] if match else None


def is_known(name: str, names: set[str] | None) -> bool:
    return names is None or name in names


def check_condition(raw: Any, path: str, errors: list[FieldError]) -> None:
    for problem in validate_condition(raw):
        errors.append(
            FieldError(f"{path}.{problem.path}" if problem.path else path, problem.message)
        )
