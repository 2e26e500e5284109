"""The ``journeys:`` document (workspace file or API body) to validated ``Journey`` values.

Every problem is reported with its path (``journeys[0].steps[2].next``); the graph as a
whole is checked by ``graph.check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cadence.errors import FieldError
from cadence.journeys import graph
from cadence.journeys.fields import KEY, STAGES, Known, check_condition, is_known, parse_duration
from cadence.journeys.models import DAY_MS, Goal, Journey, Reentry, Trigger
from cadence.journeys.stepspec import parse_steps

__all__ = ["Known", "parse_duration", "parse_journey", "parse_section"]

TRIGGER_KINDS: Final = (
    "event",
    "segment_entered",
    "segment_exited",
    "stage",
    "date_trait",
    "manual",
)
_JOURNEY_FIELDS: Final = {"key", "name", "triggers", "reentry", "goal", "steps"}


def parse_section(raw: Any, known: Known | None = None) -> tuple[list[Journey], list[FieldError]]:
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [FieldError("journeys", "must be a list of journeys")]
    found: list[Journey] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        journey = parse_journey(item, f"journeys[{index}]", errors, known or Known())
        if journey is not None and journey.key in seen:
            errors.append(FieldError(f"journeys[{index}].key", "duplicate key"))
        elif journey is not None:
            seen.add(journey.key)
            found.append(journey)
    return found, errors


def parse_journey(raw: Any, path: str, errors: list[FieldError], known: Known) -> Journey | None:
    """One journey, or None with the problems appended to ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path or "body", "must be a mapping with key, triggers, steps"))
        return None
    before = len(errors)
    prefix = f"{path}." if path else ""
    for unknown in sorted(set(raw) - _JOURNEY_FIELDS, key=str):
        errors.append(FieldError(f"{prefix}{unknown}", "unknown field"))
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        errors.append(FieldError(f"{prefix}key", "1-64 lower-case letters, digits, - and _"))
    name = raw.get("name", "")
    if not isinstance(name, str):
        errors.append(FieldError(f"{prefix}name", "must be text"))
    triggers = _triggers(raw.get("triggers", []), f"{prefix}triggers", errors, known)
    reentry = _reentry(raw.get("reentry", "once"), f"{prefix}reentry", errors)
    goal = _goal(raw.get("goal"), f"{prefix}goal", errors)
    steps = parse_steps(raw.get("steps"), f"{prefix}steps", errors, known)
    if len(errors) > before or not isinstance(key, str) or not isinstance(name, str):
        return None
    errors.extend(graph.check(steps, path=f"{prefix}steps"))
    if len(errors) > before:
        return None
    document = {
        k: raw[k] for k in ("key", "name", "triggers", "reentry", "goal", "steps") if k in raw
    }
    return Journey(key, tuple(steps), tuple(triggers), reentry, goal, name, document)


def _triggers(raw: Any, path: str, errors: list[FieldError], known: Known) -> list[Trigger]:
    if not isinstance(raw, list):
        errors.append(FieldError(path, "must be a list"))
        return []
    found: list[Trigger] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        kinds = [k for k in TRIGGER_KINDS if isinstance(item, Mapping) and k in item]
        if not isinstance(item, Mapping) or len(kinds) != 1:
            errors.append(FieldError(where, f"one of {', '.join(TRIGGER_KINDS)}"))
            continue
        kind = kinds[0]
        for unknown in sorted(set(item) - {kind, "where", "max_event_age"}, key=str):
            errors.append(FieldError(f"{where}.{unknown}", "unknown field"))
        max_age = _max_age(item, kind, f"{where}.max_event_age", errors)
        value, filters = item[kind], item.get("where", {})
        if kind == "manual":
            value = ""
        elif not isinstance(value, str) or not value:
            errors.append(FieldError(f"{where}.{kind}", "must be a non-empty name"))
            continue
        elif kind == "stage" and value not in STAGES:
            errors.append(FieldError(f"{where}.stage", f"one of {', '.join(STAGES)}"))
        elif kind.startswith("segment_") and not is_known(value, known.segments):
            errors.append(FieldError(f"{where}.{kind}", f"unknown segment {value!r}"))
        if not isinstance(filters, Mapping) or (filters and kind != "event"):
            errors.append(FieldError(f"{where}.where", "event property filters: {prop: value}"))
            continue
        found.append(Trigger(kind, value, dict(filters), max_age))
    return found


def _max_age(item: Mapping[str, Any], kind: str, path: str, errors: list[FieldError]) -> int | None:
    """``max_event_age``: a duration, or null for events of any age (default one day)."""
    if "max_event_age" not in item:
        return DAY_MS
    raw = item["max_event_age"]
    if kind != "event":
        errors.append(FieldError(path, "only for event triggers"))
        return DAY_MS
    if raw is None:
        return None
    age = parse_duration(raw)
    if age is None:
        errors.append(FieldError(path, "a duration like 30m, 12h, 3d or 1w, or null for any age"))
    return age


def _reentry(raw: Any, path: str, errors: list[FieldError]) -> Reentry:
    if raw in ("once", "always"):
        return Reentry(str(raw))
    days = raw.get("every_days") if isinstance(raw, Mapping) and set(raw) == {"every_days"} else 0
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        return Reentry("every", days)
    errors.append(FieldError(path, "once, always, or {every_days: N} with N >= 1"))
    return Reentry()


def _goal(raw: Any, path: str, errors: list[FieldError]) -> Goal | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw or set(raw) - {"event", "condition"}:
        errors.append(FieldError(path, "a mapping with event and/or condition"))
        return None
    event = raw.get("event")
    if event is not None and (not isinstance(event, str) or not event):
        errors.append(FieldError(f"{path}.event", "must be an event name"))
    condition = raw.get("condition")
    if condition is not None:
        check_condition(condition, f"{path}.condition", errors)
    return Goal(event, condition)
