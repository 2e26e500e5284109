"""Consent sent as ``identify`` traits, by this convention (the trait ``consent``)::

    {"consent": {
        "email": {"offers": "granted", "news": "withdrawn"},  # per topic of a channel
        "sms": "withdrawn",                                   # the whole channel ("*")
        "phone": {"*": "granted", "events": {"status": "granted", "frequency": "monthly"}},
        "wording": "Yes, send me offers by email and SMS",    # required if anything is granted
        "source": "form",              # form | import | api | preference_center (default: api)
        "basis": "express"             # express | implied | legitimate_interest (default: express)
    }}

A value is ``"granted"`` / ``"withdrawn"`` (or ``true`` / ``false``), or a mapping with
``status`` and optionally ``frequency`` and ``paused_until`` (ISO 8601). The keys
``wording``, ``source`` and ``basis`` are reserved (they are not channels). The consent is
dated at the event's timestamp; IP and user agent come from the event's context. A trait
that breaks the convention records nothing and says why (all or nothing per event).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cadence.consent.models import Action, Basis, Frequency, Source
from cadence.db.types import to_millis
from cadence.errors import FieldError

TRAIT: Final = "consent"
RESERVED: Final = frozenset({"wording", "source", "basis"})
SOURCES: Final = (Source.FORM, Source.IMPORT, Source.API, Source.PREFERENCE_CENTER)
_STATUS: Final = {
    "granted": Action.GRANTED,
    True: Action.GRANTED,
    "withdrawn": Action.WITHDRAWN,
    False: Action.WITHDRAWN,
}


@dataclass(frozen=True, kw_only=True)
class TraitConsent:
    """One grant or withdrawal read from the traits (checked against the workspace later)."""

    channel: str
    topic: str
    action: Action
    source: Source
    basis: Basis | None = None
    wording: str | None = None
    frequency: Frequency | None = None
    paused_until: int | None = None


_Item = tuple[Action, str, str, Frequency | None, int | None]


class TraitsError(ValueError):
    def __init__(self, problems: list[FieldError]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def consent_from_traits(*, traits: Mapping[str, Any]) -> list[TraitConsent]:
    """The consent changes the traits carry ([] without a ``consent`` trait)."""
    spec = traits.get(TRAIT)
    if spec is None:
        return []
    problems: list[FieldError] = []
    if not isinstance(spec, Mapping):
        raise TraitsError([FieldError(TRAIT, "must be a mapping of channel -> topics")])
    source = _choice(spec, "source", Source, Source.API, problems)
    if source is not None and source not in SOURCES:
        problems.append(FieldError(f"{TRAIT}.source", f"{source} cannot be sent as a trait"))
    basis = _choice(spec, "basis", Basis, Basis.EXPRESS, problems)
    wording = spec.get("wording")
    if wording is not None and not isinstance(wording, str):
        problems.append(FieldError(f"{TRAIT}.wording", "must be text"))
    found: list[_Item] = []
    for channel, topics in spec.items():
        if channel in RESERVED:
            continue
        per_topic = topics if isinstance(topics, Mapping) else {"*": topics}
        for topic, value in per_topic.items():
            path = (
                f"{TRAIT}.{channel}.{topic}"
                if isinstance(topics, Mapping)
                else f"{TRAIT}.{channel}"
            )
            item = _item(str(channel), str(topic), value, path, problems)
            if item is not None:
                found.append(item)
    if any(action is Action.GRANTED for action, *_ in found) and not (
        isinstance(wording, str) and wording.strip()
    ):
        problems.append(
            FieldError(f"{TRAIT}.wording", "required to grant: the exact wording shown")
        )
    if problems:
        raise TraitsError(problems)
    assert source is not None and basis is not None
    return [
        TraitConsent(
            channel=channel,
            topic=topic,
            action=action,
            source=source,
            basis=basis if action is Action.GRANTED else None,
            wording=wording if isinstance(wording, str) else None,
            frequency=frequency if action is Action.GRANTED else None,
            paused_until=paused if action is Action.GRANTED else None,
        )
        for action, channel, topic, frequency, paused in found
    ]


def _item(
    channel: str, topic: str, value: object, path: str, problems: list[FieldError]
) -> _Item | None:
    frequency: Frequency | None = None
    paused: int | None = None
    if isinstance(value, Mapping):
        frequency = _choice(value, "frequency", Frequency, None, problems, path=path)
        paused = _instant(value.get("paused_until"), f"{path}.paused_until", problems)
        value = value.get("status")
    action = _STATUS.get(value) if isinstance(value, str | bool) else None
    if action is None:
        problems.append(FieldError(path, "expected granted or withdrawn"))
        return None
    return action, channel, topic, frequency, paused


def _choice(
    spec: Mapping[str, Any],
    key: str,
    kind: Any,
    default: Any,
    problems: list[FieldError],
    *,
    path: str = TRAIT,
) -> Any:
    value = spec.get(key)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(item.value for item in kind)
        problems.append(FieldError(f"{path}.{key}", f"one of {names}"))
        return default


def _instant(value: object, path: str, problems: list[FieldError]) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return to_millis(datetime.fromisoformat(value))
        except ValueError:
            pass
    problems.append(FieldError(path, "expected an ISO 8601 time"))
    return None
