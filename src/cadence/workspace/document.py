"""Reading the workspace document: YAML (or JSON) in, every problem named by its path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from cadence.errors import FieldError, InputError
from cadence.workspace.sections import sections


@dataclass
class Workspace:
    """The parsed document: section name -> what that section read."""

    parts: dict[str, Any] = field(default_factory=dict)


def load_text(text: str) -> Any:
    """Parse YAML (a superset of JSON) safely; a syntax error names its line and column."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        problem = getattr(error, "problem", None) or str(error)
        raise InputError([FieldError(where, f"not valid YAML: {problem}")]) from error


def read(raw: Any) -> Workspace:
    """Validate the whole document; raise with every error, or return what it defines."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError([FieldError("document", "must be a mapping of sections (segments: ...)")])
    known = [key for section in sections() for key in section.keys]
    errors: list[FieldError] = [
        FieldError(str(name), f"unknown section; this version reads: {', '.join(known)}")
        for name in sorted(set(raw) - set(known), key=str)
    ]
    workspace = Workspace()
    for section in sections():
        parsed, problems = section.read(raw)
        errors += problems
        workspace.parts[section.name] = parsed
    if errors:
        raise InputError(errors)
    return workspace
