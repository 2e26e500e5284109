"""The workspace's permission settings: topics, channels, frequencies and consent rules.

Parsed from the plain mapping a workspace file loads into. Only the sections
``topics``, ``channels``, ``frequencies`` and ``consent`` are read; other sections
belong to other packages. A missing section takes the default shown in
``DEFAULT_*`` (the example of the permission issue); a present section is
validated strictly and every problem is reported with its path, e.g.
``consent.double_opt_in[0]: unknown channel 'fax'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from cadence.consent.models import ALL_TOPICS, DAY_MS, HOUR_MS, Frequency

DEFAULT_TOPICS: Final = ("news", "products", "offers", "events")
DEFAULT_CHANNELS: Final = ("email", "sms", "phone", "direct_mail", "social")
DEFAULT_FREQUENCIES: Final = tuple(Frequency)
DEFAULT_IMPLIED_EXPIRY_DAYS: Final = 730
DEFAULT_DOUBLE_OPT_IN: Final = ("email",)  # kept only when the workspace has an email channel
DEFAULT_CONFIRM_EXPIRY_HOURS: Final = 72

_CONSENT_KEYS: Final = frozenset({"implied_expiry_days", "double_opt_in", "confirm_expiry_hours"})
# lengths match the `consents` table columns (channel String(32), topic String(64))
_TOPIC_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_CHANNEL_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")


class ConfigError(ValueError):
    """The permission sections are invalid; ``problems`` holds every (path, message)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass(frozen=True, kw_only=True)
class ConsentRules:
    implied_expiry_days: int = DEFAULT_IMPLIED_EXPIRY_DAYS
    double_opt_in: frozenset[str] = frozenset(DEFAULT_DOUBLE_OPT_IN)
    confirm_expiry_hours: int = DEFAULT_CONFIRM_EXPIRY_HOURS

    @property
    def implied_expiry_ms(self) -> int:
        return self.implied_expiry_days * DAY_MS

    @property
    def confirm_expiry_ms(self) -> int:
        return self.confirm_expiry_hours * HOUR_MS


@dataclass(frozen=True, kw_only=True)
class PermissionConfig:
    topics: tuple[str, ...] = DEFAULT_TOPICS
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    frequencies: tuple[Frequency, ...] = DEFAULT_FREQUENCIES
    consent: ConsentRules = field(default_factory=ConsentRules)

    def requires_confirmation(self, *, channel: str) -> bool:
        """Whether grants on ``channel`` stay pending until confirmed (double opt-in)."""
        return channel in self.consent.double_opt_in


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))


def parse_config(*, workspace: Mapping[str, object]) -> PermissionConfig:
    """Validate the permission sections of a workspace mapping; raise ConfigError listing all."""
    problems = _Problems()
    if not isinstance(workspace, Mapping):
        raise ConfigError([("", "the workspace must be a mapping")])
    topics = _names(workspace, "topics", _TOPIC_NAME, DEFAULT_TOPICS, problems)
    named = _channel_names(workspace)
    channels = _names(named, "channels", _CHANNEL_NAME, DEFAULT_CHANNELS, problems)
    frequencies = _frequencies(workspace, problems)
    consent = _consent(workspace, channels, problems)
    if problems.items:
        raise ConfigError(problems.items)
    return PermissionConfig(
        topics=topics, channels=channels, frequencies=frequencies, consent=consent
    )


def _names(
    workspace: Mapping[str, object],
    key: str,
    pattern: re.Pattern[str],
    default: tuple[str, ...],
    problems: _Problems,
) -> tuple[str, ...]:
    if key not in workspace:
        return default
    items = _string_list(workspace[key], key, problems)
    for index, name in items:
        path = f"{key}[{index}]"
        if name == ALL_TOPICS:
            problems.add(path, f"'{ALL_TOPICS}' is reserved for all topics")
        elif not pattern.fullmatch(name):
            problems.add(path, f"invalid name {name!r} (expected {pattern.pattern})")
    return tuple(name for _, name in items)


def _channel_names(workspace: Mapping[str, object]) -> Mapping[str, object]:
    """A channel may be written ``{name: sms, address_traits: [...]}``: the permission rules
    read its name; the rest is the sender's (``sending.addresses``), which checks it."""
    value = workspace.get("channels")
    if not isinstance(value, list):
        return workspace
    names = [item.get("name") if isinstance(item, Mapping) else item for item in value]
    return {**workspace, "channels": names}


def _frequencies(workspace: Mapping[str, object], problems: _Problems) -> tuple[Frequency, ...]:
    if "frequencies" not in workspace:
        return DEFAULT_FREQUENCIES
    known = {item.value: item for item in Frequency}
    chosen: list[Frequency] = []
    for index, name in _string_list(workspace["frequencies"], "frequencies", problems):
        if name in known:
            chosen.append(known[name])
        else:
            problems.add(
                f"frequencies[{index}]",
                f"unknown frequency {name!r} (one of: {', '.join(known)})",
            )
    return tuple(chosen)


def _consent(
    workspace: Mapping[str, object], channels: tuple[str, ...], problems: _Problems
) -> ConsentRules:
    section = workspace.get("consent")
    if section is None:
        return ConsentRules(double_opt_in=frozenset(DEFAULT_DOUBLE_OPT_IN) & set(channels))
    if not isinstance(section, Mapping):
        problems.add("consent", "must be a mapping")
        return ConsentRules()
    for key in sorted(set(section) - _CONSENT_KEYS, key=str):
        problems.add(f"consent.{key}", "unknown key")
    implied = _positive_int(section, "implied_expiry_days", DEFAULT_IMPLIED_EXPIRY_DAYS, problems)
    hours = _positive_int(section, "confirm_expiry_hours", DEFAULT_CONFIRM_EXPIRY_HOURS, problems)
    double_opt_in: set[str] = set()
    if "double_opt_in" not in section:
        double_opt_in = set(DEFAULT_DOUBLE_OPT_IN) & set(channels)
    else:
        path = "consent.double_opt_in"
        for index, name in _string_list(section["double_opt_in"], path, problems, allow_empty=True):
            if name not in channels:
                problems.add(f"consent.double_opt_in[{index}]", f"unknown channel {name!r}")
            double_opt_in.add(name)
    return ConsentRules(
        implied_expiry_days=implied,
        double_opt_in=frozenset(double_opt_in),
        confirm_expiry_hours=hours,
    )


def _string_list(
    value: object, path: str, problems: _Problems, *, allow_empty: bool = False
) -> list[tuple[int, str]]:
    """The distinct strings of a list, each with its index for error paths."""
    if not isinstance(value, list | tuple):
        problems.add(path, "must be a list of names")
        return []
    if not value and not allow_empty:
        problems.add(path, "must not be empty")
    items: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.add(f"{path}[{index}]", f"must be a string, not {type(item).__name__}")
        elif item in seen:
            problems.add(f"{path}[{index}]", f"duplicate {item!r}")
        else:
            seen.add(item)
            items.append((index, item))
    return items


def _positive_int(
    section: Mapping[str, object], key: str, default: int, problems: _Problems
) -> int:
    if key not in section:
        return default
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(f"consent.{key}", f"must be a positive whole number, not {value!r}")
        return default
    return value
