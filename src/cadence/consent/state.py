"""Fold a contact's ledger into its current consent state per (channel, topic).

Rules, applied to entries in time order (``ordered``):

- **granted** grants the row. On a double opt-in channel the row becomes
  *pending* instead, unless it is already granted (a re-grant, e.g. a new
  frequency or a pause, keeps the confirmation in force).
- **pending** (a double opt-in request) always makes the row pending; the
  request lapses ``confirm_expiry_hours`` after it was made (``expires_at``).
- **confirmed** turns a pending, unlapsed row into granted; anything else
  (nothing asked, request lapsed, withdrawn since) is a no-op, so an old
  confirmation link can never revive a withdrawn consent.
- **withdrawn** withdraws the row (the frequency choice is remembered, a pause ends).
- **expired** marks a granted or pending row expired.
- Validity: implied consent lapses ``implied_expiry_days`` after it was
  granted (or confirmed), or earlier if the entry says so; express and
  legitimate-interest consent lapse only at an explicit ``expires_at``.
- ``frequency`` / ``paused_until`` left empty on an entry keep the previous
  choice; a ``paused_until`` at or before the entry's time ends a pause.

All topics (``'*'``): an entry for ``'*'`` applies to the channel's ``'*'`` row
*and* to every per-topic row already present on that channel; a per-topic row
is created from a copy of the ``'*'`` row when its topic is first named. A
topic without its own row follows the ``'*'`` row. Equivalently: the state of
(channel, topic) is the result of applying, in time order, every entry of
that channel whose topic is that topic or ``'*'``. So a later withdrawal of
``'*'`` withdraws every topic, a later per-topic grant after it grants that
topic only, and a later grant of ``'*'`` re-grants topics withdrawn earlier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Action, Basis, Frequency, Status
from cadence.db.types import to_millis

Key = tuple[str, str]

# At the same millisecond, requests and grants come first, then confirmations, then
# expiries and withdrawals, so that a withdrawal never loses a tie.
_TIE_RANK: Final = {
    Action.PENDING: 0,
    Action.GRANTED: 0,
    Action.CONFIRMED: 1,
    Action.EXPIRED: 2,
    Action.WITHDRAWN: 2,
}


@dataclass(frozen=True, kw_only=True)
class ConsentRow:
    """Current consent for one (channel, topic); ``topic`` may be ``'*'``.

    ``expires_at``: when a granted consent lapses, or when a pending request lapses.
    ``confirmed_at`` and ``requested_expires_at`` are only known when folded from the
    ledger (the ``consents`` table does not store them).
    """

    channel: str
    topic: str
    status: Status
    updated_at: int
    basis: Basis | None = None
    frequency: Frequency | None = None
    paused_until: int | None = None
    expires_at: int | None = None
    confirmed_at: int | None = None
    requested_expires_at: int | None = None

    def status_at(self, *, at: int) -> Status:
        """The status in force at ``at``: granted or pending past ``expires_at`` is expired."""
        lapsed = self.expires_at is not None and self.expires_at <= at
        if lapsed and self.status in (Status.GRANTED, Status.PENDING):
            return Status.EXPIRED
        return self.status

    def paused_at(self, *, at: int) -> bool:
        return self.paused_until is not None and self.paused_until > at


@dataclass(frozen=True)
class ContactConsent:
    """A contact's consent rows keyed by (channel, topic)."""

    rows: Mapping[Key, ConsentRow] = field(default_factory=dict)

    def row_for(self, *, channel: str, topic: str) -> ConsentRow | None:
        """The row that governs ``topic`` on ``channel``: its own, else the channel's ``'*'``."""
        row = self.rows.get((channel, topic))
        return row if row is not None else self.rows.get((channel, ALL_TOPICS))

    def next_change_at(self, *, after: int) -> int | None:
        """The earliest moment after ``after`` at which a row lapses or a pause ends."""
        moments = [
            moment
            for row in self.rows.values()
            for moment in (row.expires_at, row.paused_until)
            if moment is not None and moment > after
        ]
        return min(moments, default=None)


def ordered(*, entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """Entries in the order they take effect: by time, ties broken as documented above."""
    indexed = sorted(
        enumerate(entries), key=lambda item: (item[1].at, _TIE_RANK[item[1].action], item[0])
    )
    return [entry for _, entry in indexed]


def fold(*, entries: Iterable[LedgerEntry], config: PermissionConfig) -> ContactConsent:
    """The consent state after every entry (for a merged contact, pass all its ledgers)."""
    rows: dict[Key, ConsentRow] = {}
    for entry in ordered(entries=entries):
        if entry.topic == ALL_TOPICS:
            keys = [key for key in rows if key[0] == entry.channel and key[1] != ALL_TOPICS]
            keys.append((entry.channel, ALL_TOPICS))
        else:
            keys = [(entry.channel, entry.topic)]
        for key in keys:
            seed = rows.get(key)
            if seed is None:
                seed = rows.get((entry.channel, ALL_TOPICS))
            result = apply(row=seed, entry=entry, topic=key[1], config=config)
            if result is not None and result is not seed:
                rows[key] = result
    return ContactConsent(rows=rows)


def apply(
    *, row: ConsentRow | None, entry: LedgerEntry, topic: str, config: PermissionConfig
) -> ConsentRow | None:
    """The row for ``topic`` after ``entry``; ``row`` itself (or None) when nothing changes."""
    current = row.status_at(at=entry.at) if row is not None else None
    if entry.action is Action.GRANTED:
        if config.requires_confirmation(channel=entry.channel) and current is not Status.GRANTED:
            return _pending(row=row, entry=entry, topic=topic, config=config)
        confirmed_at = row.confirmed_at if row is not None and current is Status.GRANTED else None
        return _granted(row=row, entry=entry, topic=topic, config=config, confirmed_at=confirmed_at)
    if entry.action is Action.PENDING:
        return _pending(row=row, entry=entry, topic=topic, config=config)
    if entry.action is Action.CONFIRMED:
        if row is None or current is not Status.PENDING:
            return row
        return _granted(row=row, entry=entry, topic=topic, config=config, confirmed_at=entry.at)
    if entry.action is Action.WITHDRAWN:
        return ConsentRow(
            channel=entry.channel,
            topic=topic,
            status=Status.WITHDRAWN,
            updated_at=entry.at,
            frequency=row.frequency if row is not None else None,
        )
    if row is None or row.status is Status.WITHDRAWN:
        return row
    return replace(
        row,
        topic=topic,
        status=Status.EXPIRED,
        updated_at=entry.at,
        confirmed_at=None,
        requested_expires_at=None,
    )


def _granted(
    *,
    row: ConsentRow | None,
    entry: LedgerEntry,
    topic: str,
    config: PermissionConfig,
    confirmed_at: int | None,
) -> ConsentRow:
    basis = entry.basis if entry.basis is not None else row.basis if row is not None else None
    explicit = entry.expires_at
    if explicit is None and entry.action is Action.CONFIRMED and row is not None:
        explicit = row.requested_expires_at
    expires_at = explicit
    if basis is Basis.IMPLIED:
        lapse = entry.at + config.consent.implied_expiry_ms
        expires_at = lapse if explicit is None else min(explicit, lapse)
    return ConsentRow(
        channel=entry.channel,
        topic=topic,
        status=Status.GRANTED,
        updated_at=entry.at,
        basis=basis,
        frequency=_frequency(row=row, entry=entry),
        paused_until=_paused_until(row=row, entry=entry),
        expires_at=expires_at,
        confirmed_at=confirmed_at,
    )


def _pending(
    *, row: ConsentRow | None, entry: LedgerEntry, topic: str, config: PermissionConfig
) -> ConsentRow:
    return ConsentRow(
        channel=entry.channel,
        topic=topic,
        status=Status.PENDING,
        updated_at=entry.at,
        basis=entry.basis,
        frequency=_frequency(row=row, entry=entry),
        paused_until=_paused_until(row=row, entry=entry),
        expires_at=entry.at + config.consent.confirm_expiry_ms,
        requested_expires_at=entry.expires_at,
    )


def _frequency(*, row: ConsentRow | None, entry: LedgerEntry) -> Frequency | None:
    if entry.frequency is not None:
        return entry.frequency
    return row.frequency if row is not None else None


def _paused_until(*, row: ConsentRow | None, entry: LedgerEntry) -> int | None:
    until = entry.paused_until
    if until is None and row is not None:
        until = row.paused_until
    return until if until is not None and until > entry.at else None


def row_to_record(*, contact_id: int, row: ConsentRow) -> dict[str, object]:
    """Column values for the ``consents`` table."""
    return {
        "contact_id": contact_id,
        "channel": row.channel,
        "topic": row.topic,
        "status": row.status.value,
        "basis": row.basis.value if row.basis is not None else None,
        "frequency": row.frequency.value if row.frequency is not None else None,
        "paused_until": row.paused_until,
        "expires_at": row.expires_at,
        "updated_at": row.updated_at,
    }


def state_from_records(*, records: Iterable[Mapping[str, object]]) -> ContactConsent:
    """A contact's state read back from ``consents`` rows (without confirmation details)."""
    rows: dict[Key, ConsentRow] = {}
    for record in records:
        row = ConsentRow(
            channel=str(record["channel"]),
            topic=str(record["topic"]),
            status=Status(str(record["status"])),
            updated_at=_int(record["updated_at"]),
            basis=Basis(str(record["basis"])) if record.get("basis") is not None else None,
            frequency=(
                Frequency(str(record["frequency"])) if record.get("frequency") is not None else None
            ),
            paused_until=_optional_int(record.get("paused_until")),
            expires_at=_optional_int(record.get("expires_at")),
        )
        rows[(row.channel, row.topic)] = row
    return ContactConsent(rows=rows)


def _int(value: object) -> int:
    """Epoch ms from a column value (the ``Millis`` type reads back as an aware datetime)."""
    if isinstance(value, datetime):
        return to_millis(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected epoch milliseconds, got {value!r}")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)
