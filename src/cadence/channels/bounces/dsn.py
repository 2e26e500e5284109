"""RFC 3464 delivery status notifications: the machine-readable part, or its fields in text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message

from cadence.channels.bounces.classify import (
    bounce_kind,
    categorize,
    clean_status,
    refine_status,
    remote_mta_in,
)
from cadence.channels.bounces.fields import FieldBlock, find_address, parse_fields, untyped
from cadence.channels.bounces.mime import content_type, iter_leaves, part_text
from cadence.channels.bounces.models import BounceKind, Recipient

DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})

_MESSAGE_FIELDS = frozenset(
    {"reporting-mta", "dsn-gateway", "received-from-mta", "arrival-date", "original-envelope-id"}
)
_RECIPIENT_FIELDS = frozenset(
    {
        "original-recipient",
        "final-recipient",
        "x-actual-recipient",
        "action",
        "status",
        "remote-mta",
        "diagnostic-code",
        "last-attempt-date",
        "will-retry-until",
        "final-log-id",
    }
)
_ADDRESS_FIELDS = ("final-recipient", "original-recipient", "x-actual-recipient")
_NOT_A_FAILURE = frozenset({"delivered", "relayed", "expanded", "deliverable"})


@dataclass(frozen=True, slots=True)
class Dsn:
    """What the delivery-status fields of one report say."""

    reporting_mta: str | None
    recipients: tuple[Recipient, ...]


def read_dsn(msg: Message, *, notes: Mapping[str, str]) -> Dsn | None:
    """The DSN in the report's ``message/delivery-status`` parts, if any.

    ``notes`` maps an address to what the report's prose says about it, used
    when the machine-readable part gives no diagnostic of its own.
    """
    texts = [part_text(p) for p in iter_leaves(msg) if content_type(p) in DSN_TYPES]
    if not texts:
        return None
    return _build(parse_fields("\n\n".join(texts)), notes=notes)


def read_dsn_text(text: str, *, notes: Mapping[str, str]) -> Dsn | None:
    """DSN fields written into a text body (broken MIME, or dialects that inline them)."""
    known = _MESSAGE_FIELDS | _RECIPIENT_FIELDS
    dsn = _build(parse_fields(text, known=known), notes=notes)
    return dsn if dsn.recipients else None


def _build(blocks: list[FieldBlock], *, notes: Mapping[str, str]) -> Dsn:
    reporting = next((b.first("reporting-mta") for b in blocks if "reporting-mta" in b), "")
    records = _recipient_records(blocks)
    found = [r for r in (_recipient(record, notes=notes) for record in records) if r]
    unique = {r.address: r for r in reversed(found)}  # the first record per address wins
    recipients = tuple(r for r in found if unique.get(r.address) is r)
    return Dsn(reporting_mta=untyped(reporting) or None, recipients=recipients)


def _recipient_records(blocks: list[FieldBlock]) -> list[dict[str, str]]:
    """Per-recipient field sets, split at blank lines and at a field seen twice."""
    records: list[dict[str, str]] = []
    for block in blocks:
        current: dict[str, str] = {}
        for name, value in block.items:
            if name not in _RECIPIENT_FIELDS:
                continue
            if name in current:
                records.append(current)
                current = {}
            current[name] = value
        if current:
            records.append(current)
    return [r for r in records if any(name in r for name in _ADDRESS_FIELDS)]


def _recipient(record: dict[str, str], *, notes: Mapping[str, str]) -> Recipient | None:
    addresses = [find_address(untyped(record.get(name, ""))) for name in _ADDRESS_FIELDS]
    address = next((a for a in addresses if a), None)
    if address is None:
        return None
    action = (record.get("action", "").split() or [""])[0].lower() or None
    diagnostic = untyped(record.get("diagnostic-code", "")) or notes.get(address) or None
    status = refine_status(clean_status(record.get("status", "")), diagnostic or "")
    category = categorize(status=status, text=diagnostic or "")
    kind: BounceKind | None
    if action in _NOT_A_FAILURE or (status or "").startswith("2"):
        kind = None
    elif action == "delayed":
        kind = BounceKind.SOFT
    else:
        kind = bounce_kind(status=status, category=category)
    original = addresses[1]
    return Recipient(
        address=address,
        original_address=original if original != address else None,
        action=action,
        status=status,
        diagnostic=diagnostic,
        remote_mta=untyped(record.get("remote-mta", "")) or remote_mta_in(diagnostic or ""),
        kind=kind,
        category=category if kind is not None else None,
    )
