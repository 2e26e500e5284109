"""Segment definitions as written in the workspace file or sent to the API, validated."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cadence.conditions import (
    STATIC_SEGMENT,
    Condition,
    InvalidCondition,
    dependencies,
    join_path,
    parse_condition,
    validate_condition,
)
from cadence.errors import FieldError

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
_ALLOWED = {"key", "name", "description", "condition", "static"}


@dataclass(frozen=True)
class SegmentSpec:
    key: str
    name: str
    description: str
    kind: str  # dynamic | static
    condition: Any  # the condition as written (None for a static list)

    def as_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"key": self.key, "name": self.name}
        if self.description:
            doc["description"] = self.description
        if self.kind == "static":
            doc["static"] = True
        else:
            doc["condition"] = self.condition
        return doc


def _text(
    raw: Mapping[str, Any], name: str, path: str, errors: list[FieldError], *, required: bool
) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            errors.append(FieldError(join_path(path, name), "is required"))
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(join_path(path, name), "must be a string"))
        return ""
    return value


def read_spec(raw: Any, path: str, errors: list[FieldError]) -> SegmentSpec | None:
    """The shape of one definition (its condition is checked separately, with references)."""
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path or "body", "must be an object with key, name and condition"))
        return None
    before = len(errors)
    for unknown in sorted(set(raw) - _ALLOWED, key=str):
        errors.append(FieldError(join_path(path, str(unknown)), "unknown field"))
    key = _text(raw, "key", path, errors, required=True)
    if key and not KEY.match(key):
        errors.append(FieldError(join_path(path, "key"), "use lower-case letters, digits, - and _"))
    name = _text(raw, "name", path, errors, required=False) or key
    description = _text(raw, "description", path, errors, required=False)
    static = raw.get("static", False)
    if not isinstance(static, bool):
        errors.append(FieldError(join_path(path, "static"), "must be true or false"))
    if static and raw.get("condition") is not None:
        errors.append(FieldError(join_path(path, "condition"), "a static list has no condition"))
    if not static and raw.get("condition") is None:
        errors.append(FieldError(join_path(path, "condition"), "is required (or set static: true)"))
    if len(errors) > before:
        return None
    kind = "static" if static else "dynamic"
    return SegmentSpec(key, name, description, kind, None if static else raw["condition"])


def resolver_for(specs: Sequence[SegmentSpec]) -> Callable[[str], Condition | None]:
    """Look segment keys up among ``specs`` (parsing lazily; invalid ones count as unknown)."""
    by_key = {s.key: s for s in specs}
    cache: dict[str, Condition | None] = {}

    def resolve(key: str) -> Condition | None:
        if key not in cache:
            spec = by_key.get(key)
            if spec is None:
                cache[key] = None
            elif spec.kind == "static":
                cache[key] = STATIC_SEGMENT
            else:
                try:
                    cache[key] = parse_condition(spec.condition)
                except InvalidCondition:
                    cache[key] = None
        return cache[key]

    return resolve


def check_conditions(
    specs: Sequence[tuple[str, SegmentSpec]], *, universe: Sequence[SegmentSpec]
) -> list[FieldError]:
    """Validate conditions, their segment references and cycles among ``universe``."""
    resolve = resolver_for(universe)
    errors: list[FieldError] = []
    for path, spec in specs:
        if spec.kind != "dynamic":
            continue
        base = join_path(path, "condition")
        for problem in validate_condition(spec.condition, resolver=resolve, segment_key=spec.key):
            errors.append(
                FieldError(join_path(base, problem.path) if problem.path else base, problem.message)
            )
    return errors


def parse_section(
    raw: Any, *, path: str = "segments"
) -> tuple[list[SegmentSpec], list[FieldError]]:
    """The workspace file's ``segments:`` list, with every problem named by its path."""
    errors: list[FieldError] = []
    if raw is None:
        return [], errors
    if not isinstance(raw, list):
        return [], [FieldError(path, "must be a list of segments")]
    specs: list[tuple[str, SegmentSpec]] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        spec = read_spec(item, item_path, errors)
        if spec is None:
            continue
        if spec.key in seen:
            errors.append(FieldError(join_path(item_path, "key"), f"duplicate of {seen[spec.key]}"))
            continue
        seen[spec.key] = item_path
        specs.append((item_path, spec))
    errors += check_conditions(specs, universe=[s for _, s in specs])
    return [s for _, s in specs], errors


def in_dependency_order(specs: Sequence[SegmentSpec]) -> list[SegmentSpec]:
    """Specs with every referenced segment before the segments that reference it."""
    by_key = {s.key: s for s in specs}
    ordered: list[SegmentSpec] = []
    placed: set[str] = set()

    def refs(spec: SegmentSpec) -> list[str]:
        if spec.kind != "dynamic":
            return []
        try:
            return sorted(dependencies(parse_condition(spec.condition)).segments)
        except InvalidCondition:
            return []

    def place(spec: SegmentSpec, trail: frozenset[str]) -> None:
        if spec.key in placed or spec.key in trail:
            return
        for ref in refs(spec):
            if ref in by_key:
                place(by_key[ref], trail | {spec.key})
        placed.add(spec.key)
        ordered.append(spec)

    for spec in specs:
        place(spec, frozenset())
    return ordered
