"""Small view models: what a row of a contact list shows, times for people to read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cadence.db.types import from_millis


def when(value: int | str | datetime | None) -> str:
    """A UTC time as 'YYYY-MM-DD HH:MM' from epoch ms, an ISO string or a datetime."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        moment = from_millis(value)
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = value
    return moment.strftime("%Y-%m-%d %H:%M")


def person(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact JSON plus a display name and company for lists."""
    traits = contact.get("traits") or {}
    name = " ".join(str(traits.get(k) or "") for k in ("first_name", "last_name")).strip()
    company = traits.get("company")
    if isinstance(company, dict):
        company = company.get("name")
    if not company:
        accounts = contact.get("accounts") or []
        company = next((a.get("name") for a in accounts if a.get("name")), "")
    return {
        **contact,
        "label": name or contact.get("email") or contact.get("user_id") or f"#{contact['id']}",
        "company": str(company or ""),
    }


def people(contacts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [person(c) for c in contacts]
