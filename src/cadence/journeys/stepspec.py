"""Steps of a journey document: each type's fields, validated with paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cadence.errors import FieldError
from cadence.journeys.fields import KEY, STAGES, Known, check_condition, is_known, parse_duration
from cadence.journeys.models import STEP_TYPES, Branch, Step

_COMMON: Final = {"id", "type", "next"}
_STEP_FIELDS: Final[dict[str, set[str]]] = {
    "wait": {"duration", "until_event", "timeout", "timeout_next", "best_time", "segment"},
    "condition": {"condition", "yes", "no"},
    "random": {"branches"},
    "adaptive": {"options", "reward", "features"},
    "send": {"message"},
    "set_trait": {"traits"},
    "add_to_list": {"list"},
    "notify_owner": {"note"},
    "lifecycle": {"stage"},
    "goal": {"condition"},
    "exit": set(),
}


def parse_steps(raw: Any, path: str, errors: list[FieldError], known: Known) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError(path, "a non-empty list of steps"))
        return []
    steps: list[Step] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        step = _step(item, f"{path}[{index}]", errors, known)
        if step is None:
            continue
        if step.id in seen:
            errors.append(FieldError(f"{path}[{index}].id", f"duplicate step id {step.id!r}"))
        seen.add(step.id)
        steps.append(step)
    return steps


def _step(raw: Any, path: str, errors: list[FieldError], known: Known) -> Step | None:
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path, "must be a mapping with id and type"))
        return None
    before = len(errors)
    step_id, kind = raw.get("id"), raw.get("type")
    if not isinstance(step_id, str) or not KEY.match(step_id):
        errors.append(FieldError(f"{path}.id", "1-64 lower-case letters, digits, - and _"))
    if kind not in STEP_TYPES:
        errors.append(FieldError(f"{path}.type", f"one of {', '.join(STEP_TYPES)}"))
        return None
    for unknown in sorted(set(raw) - _COMMON - _STEP_FIELDS[kind], key=str):
        errors.append(FieldError(f"{path}.{unknown}", f"unknown field for a {kind} step"))
    for edge in ("next", "yes", "no", "timeout_next"):
        if raw.get(edge) is not None and not isinstance(raw.get(edge), str):
            errors.append(FieldError(f"{path}.{edge}", "must be a step id"))
    spec = {k: v for k, v in raw.items() if k not in _COMMON}
    branches = _CHECKS[kind](raw, path, errors, known)
    if len(errors) > before or not isinstance(step_id, str):
        return None
    return Step(step_id, kind, raw.get("next"), spec, branches)


def _check_wait(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], known: Known
) -> tuple[Branch, ...]:
    modes = [m for m in ("duration", "until_event", "best_time") if m in raw]
    if len(modes) != 1:
        errors.append(
            FieldError(path, "a wait needs exactly one of duration, until_event, best_time")
        )
        return ()
    mode = modes[0]
    if mode == "until_event":
        if not isinstance(raw["until_event"], str) or not raw["until_event"]:
            errors.append(FieldError(f"{path}.until_event", "must be an event name"))
        if parse_duration(raw.get("timeout")) is None:
            errors.append(FieldError(f"{path}.timeout", "how long to wait for it, e.g. 7d"))
    elif parse_duration(raw[mode]) is None:
        errors.append(FieldError(f"{path}.{mode}", "a duration like 30m, 12h, 3d or 1w"))
    if mode != "until_event":
        for extra in ("timeout", "timeout_next"):
            if extra in raw:
                errors.append(FieldError(f"{path}.{extra}", "only for until_event waits"))
    if "segment" in raw and mode != "best_time":
        errors.append(FieldError(f"{path}.segment", "only for best_time waits"))
    elif "segment" in raw:  # whose pattern a person with little history is shrunk toward
        _require_known(raw["segment"], known.segments, f"{path}.segment", "segment", errors)
    return ()


def _require_condition(raw: Mapping[str, Any], path: str, errors: list[FieldError]) -> None:
    if "condition" not in raw:
        errors.append(FieldError(f"{path}.condition", "required"))
    else:
        check_condition(raw["condition"], f"{path}.condition", errors)


def _check_condition(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], known: Known
) -> tuple[Branch, ...]:
    _require_condition(raw, path, errors)
    if "next" in raw:
        errors.append(FieldError(f"{path}.next", "a condition split goes to yes or no"))
    return ()


def _check_random(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    items = raw.get("branches")
    if not isinstance(items, list) or len(items) < 2:
        errors.append(FieldError(f"{path}.branches", "at least two branches {key, weight, next}"))
        return ()
    found: list[Branch] = []
    for index, item in enumerate(items):
        where = f"{path}.branches[{index}]"
        weight = item.get("weight") if isinstance(item, Mapping) else None
        key = item.get("key") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or set(item) - {"key", "weight", "next"}:
            errors.append(FieldError(where, "a mapping with key, weight and next"))
        elif not isinstance(key, str) or not KEY.match(key):
            errors.append(FieldError(f"{where}.key", "1-64 lower-case letters, digits, - and _"))
        elif not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            errors.append(FieldError(f"{where}.weight", "a positive number"))
        else:
            found.append(Branch(key, item.get("next"), float(weight)))
    if len({b.key for b in found}) != len(found):
        errors.append(FieldError(f"{path}.branches", "branch keys must differ"))
    return tuple(found)


def _check_adaptive(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], known: Known
) -> tuple[Branch, ...]:
    items = raw.get("options")
    if not isinstance(items, list) or len(items) < 2:
        errors.append(FieldError(f"{path}.options", "at least two options {key, message}"))
        return ()
    found: list[Branch] = []
    for index, item in enumerate(items):
        where = f"{path}.options[{index}]"
        if not isinstance(item, Mapping) or set(item) - {"key", "message", "next"}:
            errors.append(FieldError(where, "a mapping with key, message and optional next"))
            continue
        key, message = item.get("key"), item.get("message")
        if not isinstance(key, str) or not KEY.match(key):
            errors.append(FieldError(f"{where}.key", "1-64 lower-case letters, digits, - and _"))
        elif not isinstance(message, str) or not is_known(message, known.messages):
            errors.append(FieldError(f"{where}.message", f"unknown message {message!r}"))
        else:
            found.append(Branch(key, item.get("next", raw.get("next")), message=message))
    if len({b.key for b in found}) != len(found):
        errors.append(FieldError(f"{path}.options", "option keys must differ"))
    reward = raw.get("reward")
    if reward is not None and not (
        isinstance(reward, Mapping)
        and isinstance(reward.get("event"), str)
        and parse_duration(reward.get("within")) is not None
        and set(reward) <= {"event", "within", "negative"}
    ):
        errors.append(FieldError(f"{path}.reward", "{event: name, within: 7d, negative: [names]}"))
    features = raw.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        errors.append(FieldError(f"{path}.features", "a list of feature names"))
    return tuple(found)


def _check_send(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], known: Known
) -> tuple[Branch, ...]:
    _require_known(raw.get("message"), known.messages, f"{path}.message", "message", errors)
    return ()


def _require_known(
    name: Any, names: set[str] | None, path: str, what: str, errors: list[FieldError]
) -> None:
    if not isinstance(name, str) or not is_known(name, names):
        errors.append(FieldError(path, f"unknown {what} {name!r}"))


def _check_traits(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    traits = raw.get("traits")
    if not isinstance(traits, Mapping) or not traits or not all(isinstance(k, str) for k in traits):
        errors.append(FieldError(f"{path}.traits", "a mapping of trait names to values"))
    return ()


def _check_list(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], known: Known
) -> tuple[Branch, ...]:
    _require_known(raw.get("list"), known.segments, f"{path}.list", "static segment", errors)
    return ()


def _check_note(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    if not isinstance(raw.get("note", ""), str):
        errors.append(FieldError(f"{path}.note", "must be text"))
    return ()


def _check_stage(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    if raw.get("stage") not in STAGES:
        errors.append(FieldError(f"{path}.stage", f"one of {', '.join(STAGES)}"))
    return ()


def _check_goal(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    _require_condition(raw, path, errors)
    return ()


def _check_exit(
    raw: Mapping[str, Any], path: str, errors: list[FieldError], _: Known
) -> tuple[Branch, ...]:
    if raw.get("next") is not None:
        errors.append(FieldError(f"{path}.next", "an exit step ends the journey"))
    return ()


_CHECKS: Final = {
    "wait": _check_wait,
    "condition": _check_condition,
    "random": _check_random,
    "adaptive": _check_adaptive,
    "send": _check_send,
    "set_trait": _check_traits,
    "add_to_list": _check_list,
    "notify_owner": _check_note,
    "lifecycle": _check_stage,
    "goal": _check_goal,
    "exit": _check_exit,
}
