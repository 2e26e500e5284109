"""The ``forms:`` section: hosted subscribe forms, their audiences and incentives.

forms:
  - key: newsletter
    title: Stay in the loop
    wording: Yes, email me the topics I ticked. I can unsubscribe at any time.
    topics: [news, offers]          # default: every topic
    channels: [email]               # default: [email]; sms/phone add a phone field
    frequencies: [weekly, monthly]  # optional choice of frequency
    embed_origins: [https://www.example.com]   # sites allowed to frame the form
    audiences:                      # first match wins; nobody matched: "everyone"
      - key: customers
        condition: {field: purchases.count, op: gte, value: 1}   # known visitors
      - key: b2b
        context: {email_domain: business}
      - key: social
        context: {utm_source: [linkedin, x], referrer: [linkedin.com], country: [DE]}
    incentives:                     # the first whose audiences include the visitor's
      - {key: guide, text: "Free guide: the B2B playbook", audiences: [b2b, social]}
      - {key: prize, text: "Win a weekend away"}          # no audiences: everybody
    incentive_choice: adaptive      # optional; default "targeted" (the first, as above)
    optin_within_days: 7            # adaptive: how long a display may take to convert

With ``incentive_choice: adaptive`` the incentive is chosen among those targeting the
visitor's audience by the decision point ``form:<key>`` (a bandit with the audience as
its context), and a display that leads to a confirmed opt-in within the window earns 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cadence.conditions import join_path, validate_condition
from cadence.consent.config import ConfigError, PermissionConfig, parse_config
from cadence.consent.models import Frequency
from cadence.errors import FieldError

EVERYONE: Final = "everyone"
_KEY: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_ORIGIN: Final = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
CONTEXT_KEYS: Final = ("utm_source", "referrer", "country", "email_domain")
EMAIL_DOMAIN_KINDS: Final = ("business", "consumer")
_FORM_KEYS: Final = frozenset(
    {"key", "title", "intro", "wording", "topics", "channels", "frequencies"}
    | {"embed_origins", "audiences", "incentives", "incentive_choice", "optin_within_days"}
)
CHOICES: Final = ("targeted", "adaptive")
DEFAULT_OPTIN_DAYS: Final = 7.0


@dataclass(frozen=True, kw_only=True)
class Audience:
    key: str
    condition: Any = None  # condition language, for known visitors
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Incentive:
    key: str
    text: str
    audiences: tuple[str, ...] = ()  # empty: everybody


@dataclass(frozen=True, kw_only=True)
class FormSpec:
    key: str
    title: str
    wording: str
    topics: tuple[str, ...]
    channels: tuple[str, ...]
    frequencies: tuple[Frequency, ...] = ()
    intro: str = ""
    embed_origins: tuple[str, ...] = ()
    audiences: tuple[Audience, ...] = ()
    incentives: tuple[Incentive, ...] = ()
    adaptive: bool = False  # incentive chosen by a bandit per audience
    optin_within_days: float = DEFAULT_OPTIN_DAYS


def parse_section(raw: Mapping[str, Any]) -> tuple[list[FormSpec], list[FieldError]]:
    """Read ``forms:`` from the whole document (topics and channels come from it too)."""
    section = raw.get("forms")
    if section is None:
        return [], []
    if not isinstance(section, list):
        return [], [FieldError("forms", "must be a list of forms")]
    try:
        permission = parse_config(workspace={k: v for k, v in raw.items() if k != "forms"})
    except (ConfigError, AttributeError):
        permission = PermissionConfig()  # their own section reports those problems
    errors: list[FieldError] = []
    forms: list[FormSpec] = []
    for index, item in enumerate(section):
        spec = _form(item, f"forms[{index}]", permission, errors)
        if spec is None:
            continue
        if any(f.key == spec.key for f in forms):
            errors.append(FieldError(f"forms[{index}].key", f"duplicate form {spec.key!r}"))
            continue
        forms.append(spec)
    return forms, errors


def _form(
    item: Any, path: str, permission: PermissionConfig, errors: list[FieldError]
) -> FormSpec | None:
    if not isinstance(item, Mapping):
        errors.append(FieldError(path, "must be a mapping"))
        return None
    before = len(errors)
    for extra in sorted(set(item) - _FORM_KEYS, key=str):
        errors.append(FieldError(f"{path}.{extra}", "unknown key"))
    key = _key(item.get("key"), f"{path}.key", errors)
    title = _text(item.get("title"), f"{path}.title", errors)
    wording = _text(item.get("wording"), f"{path}.wording", errors)
    topics = _subset(item.get("topics"), f"{path}.topics", permission.topics, errors)
    channels = _subset(
        item.get("channels", ["email"]), f"{path}.channels", permission.channels, errors
    )
    offered = tuple(f.value for f in permission.frequencies)
    frequencies = _subset(
        item.get("frequencies", []), f"{path}.frequencies", offered, errors, empty=True
    )
    origins = _strings(item.get("embed_origins", []), f"{path}.embed_origins", errors)
    for index, origin in enumerate(origins):
        if not _ORIGIN.fullmatch(origin):
            errors.append(
                FieldError(f"{path}.embed_origins[{index}]", "expected https://host[:port]")
            )
    audiences = _audiences(item.get("audiences", []), f"{path}.audiences", errors)
    incentives = _incentives(item.get("incentives"), f"{path}.incentives", audiences, errors)
    intro = item.get("intro", "")
    if not isinstance(intro, str):
        errors.append(FieldError(f"{path}.intro", "must be text"))
    adaptive, days = _choice(item, path, errors)
    if len(errors) > before:
        return None
    return FormSpec(
        key=str(key),
        title=str(title),
        wording=str(wording),
        topics=topics,
        channels=channels,
        frequencies=tuple(Frequency(f) for f in frequencies),
        intro=str(intro),
        embed_origins=origins,
        audiences=audiences,
        incentives=incentives,
        adaptive=adaptive,
        optin_within_days=days,
    )


def _choice(item: Mapping[str, Any], path: str, errors: list[FieldError]) -> tuple[bool, float]:
    """Whether incentives are chosen adaptively, and the window a display has to convert."""
    choice = item.get("incentive_choice", "targeted")
    if choice not in CHOICES:
        errors.append(FieldError(f"{path}.incentive_choice", "targeted or adaptive"))
    days = item.get("optin_within_days", DEFAULT_OPTIN_DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 365:
        errors.append(FieldError(f"{path}.optin_within_days", "a number of days, above 0, <= 365"))
        days = DEFAULT_OPTIN_DAYS
    return choice == "adaptive", float(days)


def _audiences(raw: Any, path: str, errors: list[FieldError]) -> tuple[Audience, ...]:
    if not isinstance(raw, list):
        errors.append(FieldError(path, "must be a list"))
        return ()
    found: list[Audience] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping) or not ({"condition", "context"} & set(item)):
            errors.append(FieldError(where, "needs a key and a condition or a context"))
            continue
        key = _key(item.get("key"), f"{where}.key", errors)
        for extra in sorted(set(item) - {"key", "condition", "context"}, key=str):
            errors.append(FieldError(f"{where}.{extra}", "unknown key"))
        if key == EVERYONE or any(a.key == key for a in found):
            errors.append(FieldError(f"{where}.key", f"{key!r} is reserved or used twice"))
        condition = item.get("condition")
        if condition is not None:
            base = f"{where}.condition"
            for problem in validate_condition(condition):
                where_exactly = join_path(base, problem.path) if problem.path else base
                errors.append(FieldError(where_exactly, problem.message))
        context = _context(item.get("context", {}), f"{where}.context", errors)
        if key is not None:
            found.append(Audience(key=key, condition=condition, context=context))
    return tuple(found)


def _context(raw: Any, path: str, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path, "must be a mapping"))
        return {}
    context: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{path}.{name}"
        if name not in CONTEXT_KEYS:
            errors.append(FieldError(where, f"unknown; one of {', '.join(CONTEXT_KEYS)}"))
        elif name == "email_domain":
            if value not in EMAIL_DOMAIN_KINDS:
                errors.append(FieldError(where, "business or consumer"))
            context[name] = value
        else:
            values = [value] if isinstance(value, str) else value
            context[name] = tuple(v.lower() for v in _strings(values, where, errors))
    return context


def _incentives(
    raw: Any, path: str, audiences: tuple[Audience, ...], errors: list[FieldError]
) -> tuple[Incentive, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError(path, "needs at least one incentive"))
        return ()
    known = {a.key for a in audiences} | {EVERYONE}
    found: list[Incentive] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(where, "must be a mapping"))
            continue
        key = _key(item.get("key"), f"{where}.key", errors)
        text = _text(item.get("text"), f"{where}.text", errors)
        names = _strings(item.get("audiences", []), f"{where}.audiences", errors)
        for name in names:
            if name not in known:
                errors.append(FieldError(f"{where}.audiences", f"unknown audience {name!r}"))
        if key is not None and text is not None:
            found.append(Incentive(key=key, text=text, audiences=names))
    return tuple(found)


def _key(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if isinstance(value, str) and _KEY.fullmatch(value):
        return value
    errors.append(FieldError(path, "required: lower-case letters, digits, - and _ (max 64)"))
    return None


def _text(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= 2000:
        return value.strip()
    errors.append(FieldError(path, "required text (at most 2000 characters)"))
    return None


def _strings(value: Any, path: str, errors: list[FieldError]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors.append(FieldError(path, "must be a list of names"))
        return ()
    return tuple(value)


def _subset(
    value: Any,
    path: str,
    allowed: tuple[str, ...],
    errors: list[FieldError],
    *,
    empty: bool = False,
) -> tuple[str, ...]:
    if value is None:
        return allowed
    names = _strings(value, path, errors)
    if not names and not empty and isinstance(value, list):
        errors.append(FieldError(path, "must not be empty"))
    for index, name in enumerate(names):
        if name not in allowed:
            errors.append(
                FieldError(f"{path}[{index}]", f"unknown {name!r} (one of {', '.join(allowed)})")
            )
    return names


def as_document(spec: FormSpec) -> dict[str, Any]:
    """The spec as it is written in the workspace file (for export and storage)."""
    document: dict[str, Any] = {
        "key": spec.key,
        "title": spec.title,
        "wording": spec.wording,
        "topics": list(spec.topics),
        "channels": list(spec.channels),
    }
    if spec.intro:
        document["intro"] = spec.intro
    if spec.frequencies:
        document["frequencies"] = [f.value for f in spec.frequencies]
    if spec.embed_origins:
        document["embed_origins"] = list(spec.embed_origins)
    if spec.audiences:
        document["audiences"] = [_audience_document(a) for a in spec.audiences]
    document["incentives"] = [
        {"key": i.key, "text": i.text, **({"audiences": list(i.audiences)} if i.audiences else {})}
        for i in spec.incentives
    ]
    if spec.adaptive:
        document["incentive_choice"] = "adaptive"
        document["optin_within_days"] = spec.optin_within_days
    return document


def _audience_document(audience: Audience) -> dict[str, Any]:
    document: dict[str, Any] = {"key": audience.key}
    if audience.condition is not None:
        document["condition"] = audience.condition
    if audience.context:
        document["context"] = {
            k: (v if isinstance(v, str) else list(v)) for k, v in audience.context.items()
        }
    return document
