"""Consent as JSON: current rows, the contact's preferences, ledger entries, proof of consent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cadence.consent import store
from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Status
from cadence.consent.state import ConsentRow, ContactConsent, state_from_records
from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis


def iso(value: int | None) -> str | None:
    """Epoch ms as an ISO 8601 UTC string (the API's time format)."""
    return None if value is None else from_millis(value).isoformat().replace("+00:00", "Z")


def row_json(row: ConsentRow, *, now: int | None) -> dict[str, Any]:
    """One (channel, topic) row; ``status`` is as in force at ``now`` when given."""
    status = row.status_at(at=now) if now is not None else row.status
    return {
        "channel": row.channel,
        "topic": row.topic,
        "status": status.value,
        "basis": row.basis.value if row.basis is not None else None,
        "frequency": row.frequency.value if row.frequency is not None else None,
        "paused_until": iso(row.paused_until),
        "paused": now is not None and row.paused_at(at=now),
        "expires_at": iso(row.expires_at),
        "confirmed_at": iso(row.confirmed_at),
        "updated_at": iso(row.updated_at),
    }


def rows_json(state: ContactConsent, *, now: int | None) -> list[dict[str, Any]]:
    return [row_json(state.rows[key], now=now) for key in sorted(state.rows)]


def preferences_json(
    state: ContactConsent, *, config: PermissionConfig, now: int | None
) -> dict[str, Any]:
    """What the contact chose, per configured topic: channels it may be sent on, frequency
    and pause per ``channel:topic`` (a topic without its own row follows the ``'*'`` row)."""
    channels: set[str] = set()
    topics: set[str] = set()
    frequency: dict[str, str] = {}
    paused_until: dict[str, str | None] = {}
    for channel in config.channels:
        for topic in config.topics:
            row = state.row_for(channel=channel, topic=topic)
            if row is None:
                continue
            status = row.status_at(at=now) if now is not None else row.status
            if status is not Status.GRANTED:
                continue
            channels.add(channel)
            topics.add(topic)
            key = f"{channel}:{topic}"
            if row.frequency is not None:
                frequency[key] = row.frequency.value
            if row.paused_until is not None and (now is None or row.paused_at(at=now)):
                paused_until[key] = iso(row.paused_until)
    return {
        "channels": [c for c in config.channels if c in channels],
        "topics": [t for t in config.topics if t in topics],
        "frequency": frequency,
        "paused_until": paused_until,
    }


def contacts_consent(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``consents`` and ``preferences`` of each contact, from the stored (folded) rows.

    Statuses are as stored: the state at the last change or the last expiry pass.
    """
    config = store.load_config(uow)
    records = store.stored_state_records(uow, contact_ids=ids)
    found: dict[int, dict[str, Any]] = {}
    for contact_id in ids:
        state = state_from_records(records=records.get(contact_id, []))
        found[contact_id] = {
            "consents": rows_json(state, now=None),
            "preferences": preferences_json(state, config=config, now=None),
        }
    return found


def entry_json(entry_id: int, entry: LedgerEntry) -> dict[str, Any]:
    """One ledger entry, with the evidence it carries and its place in the chain."""
    return {
        "id": entry_id,
        "contact_id": entry.contact_id,
        "channel": entry.channel,
        "topic": entry.topic,
        "all_topics": entry.topic == ALL_TOPICS,
        "action": entry.action.value,
        "basis": entry.basis.value if entry.basis is not None else None,
        "source": entry.source.value,
        "wording": entry.wording,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "at": iso(entry.at),
        "expires_at": iso(entry.expires_at),
        "frequency": entry.frequency.value if entry.frequency is not None else None,
        "paused_until": iso(entry.paused_until),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
