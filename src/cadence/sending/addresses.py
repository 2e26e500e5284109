"""Where a channel reaches a contact: pure, from the contact's email and traits.

Email goes to the contact's email. The other channels read a trait, the first of the
channel's address traits that holds a non-blank string. The traits come from the
workspace's ``channels:`` section, where a channel can be written as a mapping:

```yaml
channels:
  - email
  - {name: sms, address_traits: [mobile_e164, phone]}
  - {name: webhook, address_traits: [crm_hook]}
```

A channel written as a plain name keeps the convention (``DEFAULT_TRAITS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cadence.errors import FieldError

PHONE_TRAITS: Final = ("phone", "phone_number", "mobile")
WEBHOOK_TRAIT: Final = "webhook_url"
DEFAULT_TRAITS: Final[Mapping[str, tuple[str, ...]]] = {
    "sms": PHONE_TRAITS,
    "phone": PHONE_TRAITS,
    "webhook": (WEBHOOK_TRAIT,),
}
NEEDS_ADDRESS: Final = frozenset({"email", "sms", "webhook"})  # tasks carry their own data
ENTRY_KEYS: Final = frozenset({"name", "address_traits"})
_TRAIT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class AddressTraits:
    """The address traits of each channel addressed by a trait (in the order tried)."""

    by_channel: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_TRAITS)

    def of(self, channel: str) -> tuple[str, ...]:
        return self.by_channel.get(channel, ())

    def configured(self) -> dict[str, list[str]]:
        """The channels whose traits differ from the convention."""
        return {
            channel: list(traits)
            for channel, traits in self.by_channel.items()
            if DEFAULT_TRAITS.get(channel) != traits
        }


CONVENTION: Final = AddressTraits()


def address_for(
    *,
    channel: str,
    email: str | None,
    traits: Mapping[str, Any],
    config: AddressTraits = CONVENTION,
) -> str:
    """The contact's address on ``channel`` ('' when it has none)."""
    if channel == "email":
        return email or ""
    for name in config.of(channel):
        value = traits.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def read_address_traits(channels: Any) -> tuple[AddressTraits, list[FieldError]]:
    """The address traits written in a ``channels:`` list, and every problem by its path.

    Plain names are left to the permission rules (``consent.config``), which check them.
    """
    found = dict(DEFAULT_TRAITS)
    errors: list[FieldError] = []
    if not isinstance(channels, list):
        return AddressTraits(found), errors
    for index, entry in enumerate(channels):
        if not isinstance(entry, Mapping):
            continue
        path = f"channels[{index}]"
        for key in sorted(set(entry) - ENTRY_KEYS, key=str):
            errors.append(FieldError(f"{path}.{key}", "unknown key (name, address_traits)"))
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            errors.append(FieldError(f"{path}.name", "a channel name is required"))
            continue
        if "address_traits" not in entry:
            continue
        traits, problems = _traits(entry["address_traits"], f"{path}.address_traits")
        if name not in DEFAULT_TRAITS:
            where = "the contact's email" if name == "email" else "no trait"
            problems.append(
                FieldError(
                    f"{path}.address_traits",
                    f"channel {name!r} is addressed by {where}; "
                    f"only {', '.join(sorted(DEFAULT_TRAITS))} read an address trait",
                )
            )
        errors += problems
        if not problems:
            found[name] = traits
    return AddressTraits(found), errors


def _traits(value: Any, path: str) -> tuple[tuple[str, ...], list[FieldError]]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return (), [FieldError(path, "a trait name or a non-empty list of trait names")]
    errors: list[FieldError] = []
    names: list[str] = []
    for index, item in enumerate(items):
        where = path if isinstance(value, str) else f"{path}[{index}]"
        if not isinstance(item, str) or not _TRAIT.fullmatch(item):
            errors.append(FieldError(where, f"not a trait name: {item!r}"))
        elif item in names:
            errors.append(FieldError(where, f"duplicate trait {item!r}"))
        else:
            names.append(item)
    return tuple(names), errors
