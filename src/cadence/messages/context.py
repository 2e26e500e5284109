"""What a template sees. Nothing else is reachable (see ``sandbox.py``).

``contact``
    The contact JSON of ``GET /api/contacts/{id}``: ``id``, ``user_id``, ``email``,
    ``traits`` (``contact.traits.first_name``), ``accounts``, ``purchases``
    (``count``, ``total``, ``first_at``, ``last_at``), ``score`` (``value``, ``band``),
    ``grade`` (``letter``, ``fit``), ``lifecycle_stage``, ``owner``, ``segments``,
    ``profile_level``, ``created_at``, ``last_seen_at`` ...
``account``
    The primary account (``name``, ``group_id``, ``traits``), or missing when there is none.
``links.preferences`` / ``links.unsubscribe``
    The contact's preference-center and one-click unsubscribe URLs.
``segments``
    The keys of the segments the contact is in (``{% if 'emea' in segments %}``).
``recent_events``
    The latest 20 events, newest first: ``name``, ``type``, ``timestamp``, ``properties``.
``blocks``
    The message's content blocks, each already chosen for this contact and rendered
    (``{{ blocks.offer }}``); not available inside the blocks themselves.
``first_name(fallback="there")``
    The contact's first name (``first_name``, ``firstName``, or the first word of ``name``
    trait), or the fallback when there is none: ``Hello {{ first_name() }},``.

Missing data: a missing or null value cannot be printed (the message is refused when saved,
or fails for that contact); give it a fallback with ``| default('...')``, which also
replaces null and blank values: ``{{ contact.traits.city | default('your city') }}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from cadence.messages.models import MessageLinks
from cadence.messages.sandbox import missing

NAMES: Final = frozenset({"contact", "account", "links", "segments", "recent_events"})
RECENT_EVENTS: Final = 20
NO_ACCOUNT: Final = (
    "'account' has no value: the contact has no primary account; "
    "give it a fallback with | default('...')"
)


def template_context(
    *,
    contact: Mapping[str, Any],
    recent_events: Sequence[Mapping[str, Any]],
    links: MessageLinks,
) -> dict[str, Any]:
    """The documented context for one contact (``contact`` is the contact JSON)."""
    primary = next((a for a in contact.get("accounts") or () if a.get("primary")), None)
    return {
        "contact": contact,
        "account": primary if primary is not None else missing("account", NO_ACCOUNT),
        "links": {"preferences": links.preferences, "unsubscribe": links.unsubscribe},
        "segments": list(contact.get("segments") or ()),
        "recent_events": [
            {
                "name": e.get("name"),
                "type": e.get("type"),
                "timestamp": e.get("timestamp"),
                "properties": e.get("properties") or {},
            }
            for e in recent_events[:RECENT_EVENTS]
        ],
    }


def sample_contact() -> dict[str, Any]:
    """A contact that has only what every contact has: templates are checked against it.

    Whatever may be missing or null for a real contact is missing or null here, so an
    unguarded ``{{ contact.traits.first_name }}`` is refused when the message is saved.
    """
    return {
        "id": 0,
        "user_id": None,
        "email": "sample@example.com",
        "anonymous_ids": [],
        "traits": {},
        "accounts": [],
        "profile_level": 0,
        "profile_missing": [],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "first_seen_at": None,
        "last_seen_at": None,
        "purchases": {"count": 0, "total": 0, "first_at": None, "last_at": None},
        "score": {"value": 0.0, "band": 5, "as_of": "2026-01-01T00:00:00Z"},
        "grade": {"letter": "E", "fit": 0.0},
        "lifecycle_stage": "lead",
        "owner": None,
        "segments": [],
    }


def sample_context() -> dict[str, Any]:
    links = MessageLinks(
        preferences="https://example.com/p/sample", unsubscribe="https://example.com/u/sample"
    )
    return template_context(contact=sample_contact(), recent_events=[], links=links)
