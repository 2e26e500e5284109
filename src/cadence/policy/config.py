"""Reading the ``policy:`` section of the workspace file; every problem is named by its path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

from cadence.errors import FieldError
from cadence.messages.models import CHANNELS
from cadence.policy.models import NO_POLICY, Cap, Policy, QuietHours, Sunset

_CLOCK: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_FIELDS: Final = {"caps", "quiet_hours", "min_gap_hours", "timezone", "sunset"}
_SUNSET: Final = {"after_days", "max", "per_days", "stop_after_days", "message"}


def parse(raw: Any, *, path: str = "policy") -> tuple[Policy, list[FieldError]]:
    """The policy, or ``NO_POLICY`` and every problem found."""
    if raw is None:
        return NO_POLICY, []
    if not isinstance(raw, Mapping):
        return NO_POLICY, [FieldError(path, "must be a mapping")]
    errors = [
        FieldError(f"{path}.{k}", "unknown field") for k in sorted(set(raw) - _FIELDS, key=str)
    ]
    caps = _caps(raw.get("caps"), f"{path}.caps", errors)
    quiet = _quiet(raw.get("quiet_hours"), f"{path}.quiet_hours", errors)
    gap = _number(raw.get("min_gap_hours", 0), f"{path}.min_gap_hours", errors, minimum=0)
    zone = raw.get("timezone", "UTC")
    if not _is_zone(zone):
        errors.append(FieldError(f"{path}.timezone", "an IANA time zone such as Europe/Paris"))
    sunset = _sunset(raw.get("sunset"), f"{path}.sunset", errors)
    if errors:
        return NO_POLICY, errors
    return Policy(
        caps=caps, quiet_hours=quiet, min_gap_hours=gap, timezone=str(zone), sunset=sunset
    ), []


def _caps(raw: Any, path: str, errors: list[FieldError]) -> tuple[Cap, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.append(FieldError(path, "must be a list of {channel, max, per_days}"))
        return ()
    caps: list[Cap] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(where, "must be a mapping with channel, max, per_days"))
            continue
        before = len(errors)
        for unknown in sorted(set(item) - {"channel", "max", "per_days"}, key=str):
            errors.append(FieldError(f"{where}.{unknown}", "unknown field"))
        channel = item.get("channel")
        if channel != "*" and channel not in CHANNELS:
            errors.append(FieldError(f"{where}.channel", f"one of {', '.join(CHANNELS)} or *"))
        most = _integer(item.get("max"), f"{where}.max", errors)
        days = _number(item.get("per_days"), f"{where}.per_days", errors, minimum=0, strict=True)
        if len(errors) == before:
            caps.append(Cap(channel=str(channel), max=most, per_days=days))
    return tuple(caps)


def _quiet(raw: Any, path: str, errors: list[FieldError]) -> QuietHours | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path, 'must be a mapping like {start: "21:00", end: "08:00"}'))
        return None
    for unknown in sorted(set(raw) - {"start", "end"}, key=str):
        errors.append(FieldError(f"{path}.{unknown}", "unknown field"))
    minutes: list[int] = []
    for name in ("start", "end"):
        match = _CLOCK.match(str(raw.get(name, "")))
        if match is None:
            errors.append(FieldError(f"{path}.{name}", "a 24-hour clock time HH:MM"))
        else:
            minutes.append(int(match[1]) * 60 + int(match[2]))
    if len(minutes) != 2:
        return None
    if minutes[0] == minutes[1]:
        errors.append(FieldError(f"{path}.end", "must differ from start"))
        return None
    return QuietHours(start=minutes[0], end=minutes[1])


def _sunset(raw: Any, path: str, errors: list[FieldError]) -> Sunset | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path, "must be a mapping"))
        return None
    before = len(errors)
    for unknown in sorted(set(raw) - _SUNSET, key=str):
        errors.append(FieldError(f"{path}.{unknown}", "unknown field"))
    after = _number(raw.get("after_days"), f"{path}.after_days", errors, minimum=0, strict=True)
    most = _integer(raw.get("max", 1), f"{path}.max", errors)
    per = _number(raw.get("per_days", 30), f"{path}.per_days", errors, minimum=0, strict=True)
    stop = _number(
        raw.get("stop_after_days"), f"{path}.stop_after_days", errors, minimum=0, strict=True
    )
    message = raw.get("message")
    if message is not None and (not isinstance(message, str) or not message):
        errors.append(FieldError(f"{path}.message", "the key of a message"))
    if len(errors) == before and stop < after:
        errors.append(FieldError(f"{path}.stop_after_days", "must be at least after_days"))
    if len(errors) != before:
        return None
    return Sunset(after_days=after, max=most, per_days=per, stop_after_days=stop, message=message)


def _integer(raw: Any, path: str, errors: list[FieldError]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        errors.append(FieldError(path, "a whole number of at least 1"))
        return 1
    return raw


def _number(
    raw: Any, path: str, errors: list[FieldError], *, minimum: float, strict: bool = False
) -> float:
    valid = isinstance(raw, int | float) and not isinstance(raw, bool)
    if valid and (raw > minimum if strict else raw >= minimum) and raw < 3650:
        return float(raw)
    bound = "more than" if strict else "at least"
    errors.append(FieldError(path, f"a number {bound} {minimum:g} (and under 3650)"))
    return 0.0


def _is_zone(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        return False
    return True
