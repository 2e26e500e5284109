"""The consent ledger: append-only evidence entries chained by hash per contact.

Each entry's ``hash`` is the SHA-256 of a canonical JSON serialisation of its
fields (``HASHED_FIELDS``) including ``prev_hash``, the hash of the previous
entry of the same contact (``GENESIS`` for the first). Editing, reordering or
removing an entry breaks the chain at that point; ``verify`` finds it. Removing
the newest entries only shows against a head hash kept elsewhere (``heads``).
A GDPR erasure deletes a contact's whole chain, which leaves other chains intact.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cadence.consent.config import PermissionConfig
from cadence.consent.models import (
    ALL_TOPICS,
    SOURCE_ACTIONS,
    Action,
    Basis,
    Frequency,
    Source,
)
from cadence.db.types import to_millis

GENESIS: Final = "0" * 64
CHAIN_VERSION: Final = 1
HASHED_FIELDS: Final = (
    "contact_id",
    "channel",
    "topic",
    "action",
    "basis",
    "source",
    "wording",
    "ip",
    "user_agent",
    "at",
    "expires_at",
    "frequency",
    "paused_until",
    "prev_hash",
)
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_GRANTING: Final = frozenset({Action.GRANTED, Action.PENDING, Action.CONFIRMED})


class LedgerError(ValueError):
    """An entry that cannot be evidence (bad field or combination)."""


@dataclass(frozen=True, kw_only=True)
class LedgerEntry:
    """One grant, withdrawal, confirmation, double opt-in request or expiry; times in epoch ms.

    ``frequency`` and ``paused_until`` left as None keep the contact's previous choice;
    a ``paused_until`` at or before ``at`` ends a pause.
    """

    contact_id: int
    channel: str
    topic: str
    action: Action
    source: Source
    at: int
    basis: Basis | None = None
    wording: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    expires_at: int | None = None
    frequency: Frequency | None = None
    paused_until: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    def __post_init__(self) -> None:
        _coerce(self, "action", Action)
        _coerce(self, "source", Source)
        if self.basis is not None:
            _coerce(self, "basis", Basis)
        if self.frequency is not None:
            _coerce(self, "frequency", Frequency)
        _check_fields(self)

    @property
    def sealed(self) -> bool:
        return self.hash is not None


def _coerce(entry: LedgerEntry, name: str, kind: type[Any]) -> None:
    value = getattr(entry, name)
    try:
        object.__setattr__(entry, name, kind(value))
    except ValueError:
        raise LedgerError(f"{name}: unknown value {value!r}") from None


def _check_fields(entry: LedgerEntry) -> None:
    for name in ("contact_id", "at"):
        if not _is_int(getattr(entry, name)):
            raise LedgerError(f"{name}: must be an integer")
    for name in ("expires_at", "paused_until"):
        value = getattr(entry, name)
        if value is not None and not _is_int(value):
            raise LedgerError(f"{name}: must be an integer or None")
    if not entry.channel or len(entry.channel) > 32:
        raise LedgerError("channel: must be 1 to 32 characters")
    if not entry.topic or len(entry.topic) > 64:
        raise LedgerError("topic: must be 1 to 64 characters")
    if entry.action not in SOURCE_ACTIONS[entry.source]:
        raise LedgerError(f"action: a {entry.source} source cannot record {entry.action}")
    if entry.action in (Action.GRANTED, Action.PENDING) and entry.basis is None:
        raise LedgerError(f"basis: required for {entry.action}")
    if entry.action not in _GRANTING:
        for name in ("basis", "expires_at", "frequency", "paused_until"):
            if getattr(entry, name) is not None:
                raise LedgerError(f"{name}: not allowed on {entry.action}")
    if entry.expires_at is not None and entry.expires_at <= entry.at:
        raise LedgerError("expires_at: must be after at")
    for name in ("prev_hash", "hash"):
        value = getattr(entry, name)
        if value is not None and not (isinstance(value, str) and _HEX64.fullmatch(value)):
            raise LedgerError(f"{name}: must be 64 lowercase hex digits")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def canonical(*, entry: LedgerEntry) -> bytes:
    """The bytes that are hashed: sorted-key compact ASCII JSON of HASHED_FIELDS."""
    document: dict[str, object] = {"v": CHAIN_VERSION}
    for name in HASHED_FIELDS:
        document[name] = _plain(getattr(entry, name))
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def compute_hash(*, entry: LedgerEntry) -> str:
    """The hash ``entry`` must carry, given its ``prev_hash``."""
    return hashlib.sha256(canonical(entry=entry)).hexdigest()


def seal(*, entry: LedgerEntry, prev_hash: str) -> LedgerEntry:
    """A copy of ``entry`` linked to ``prev_hash`` and carrying its own hash."""
    linked = dataclasses.replace(entry, prev_hash=prev_hash, hash=None)
    return dataclasses.replace(linked, hash=compute_hash(entry=linked))


def chain(
    *, entries: Iterable[LedgerEntry], heads: Mapping[int, str] | None = None
) -> list[LedgerEntry]:
    """Seal entries in order, each linked to the previous entry of its contact.

    ``heads`` gives the hash of each contact's newest stored entry when appending.
    """
    last = dict(heads or {})
    sealed: list[LedgerEntry] = []
    for entry in entries:
        linked = seal(entry=entry, prev_hash=last.get(entry.contact_id, GENESIS))
        last[entry.contact_id] = str(linked.hash)
        sealed.append(linked)
    return sealed


def verify(*, entries: Sequence[LedgerEntry], heads: Mapping[int, str] | None = None) -> int | None:
    """The index of the first entry that breaks its contact's chain, or None if all hold.

    ``heads`` gives the hash each contact's chain is expected to start from (GENESIS if absent).
    """
    last = dict(heads or {})
    for index, entry in enumerate(entries):
        if entry.prev_hash != last.get(entry.contact_id, GENESIS):
            return index
        if entry.hash is None or entry.hash != compute_hash(entry=entry):
            return index
        last[entry.contact_id] = entry.hash
    return None


def validate_entry(*, entry: LedgerEntry, config: PermissionConfig) -> None:
    """Raise LedgerError if ``entry`` names a channel, topic or frequency the workspace lacks."""
    if entry.channel not in config.channels:
        raise LedgerError(f"channel: unknown channel {entry.channel!r}")
    if entry.topic != ALL_TOPICS and entry.topic not in config.topics:
        raise LedgerError(f"topic: unknown topic {entry.topic!r}")
    if entry.frequency is not None and entry.frequency not in config.frequencies:
        raise LedgerError(f"frequency: {entry.frequency} is not offered")


def to_record(*, entry: LedgerEntry) -> dict[str, object]:
    """Plain column values for storage (enums as their strings)."""
    return {field.name: _plain(getattr(entry, field.name)) for field in dataclasses.fields(entry)}


def from_record(*, record: Mapping[str, object]) -> LedgerEntry:
    """Rebuild an entry from stored column values (extra columns such as ``id`` are ignored)."""
    names = {field.name for field in dataclasses.fields(LedgerEntry)}
    values: dict[str, Any] = {name: record[name] for name in names if name in record}
    for name in ("at", "expires_at", "paused_until"):  # ``Millis`` columns read as datetimes
        if isinstance(values.get(name), datetime):
            values[name] = to_millis(values[name])
    try:
        return LedgerEntry(**values)
    except TypeError as error:
        raise LedgerError(str(error)) from None


def _plain(value: object) -> object:
    return value.value if isinstance(value, Action | Basis | Source | Frequency) else value
