"""Validation errors that point at the offending part of a condition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConditionError:
    """One problem: `path` like `all[0].op` (empty for the whole condition)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidCondition(ValueError):
    """Raised by parse_condition with every problem found."""

    def __init__(self, errors: list[ConditionError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


def join_path(base: str, part: str | int) -> str:
    """`all` + 0 -> `all[0]`; `all[0]` + `op` -> `all[0].op`."""
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part
