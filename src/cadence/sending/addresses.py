"""Where a channel reaches a contact: pure, from the contact's email and traits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

PHONE_TRAITS: Final = ("phone", "phone_number", "mobile")
WEBHOOK_TRAIT: Final = "webhook_url"
NEEDS_ADDRESS: Final = frozenset({"email", "sms", "webhook"})  # tasks carry their own data


def address_for(*, channel: str, email: str | None, traits: Mapping[str, Any]) -> str:
    """The contact's address on ``channel`` ('' when it has none)."""
    if channel == "email":
        return email or ""
    if channel in ("sms", "phone"):
        found = next((traits[k] for k in PHONE_TRAITS if isinstance(traits.get(k), str)), "")
        return str(found).strip()
    if channel == "webhook":
        url = traits.get(WEBHOOK_TRAIT)
        return url if isinstance(url, str) else ""
    return ""
