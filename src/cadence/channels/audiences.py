"""Ads and social audiences: a segment's members whose consent covers the ``social``
channel, as normalised, SHA-256-hashed emails and phone numbers, in the upload formats of
Google Customer Match and Meta custom audiences; and syncs that say who joined and who
left since the last one.

Consent is decided by the send gate's own rules (``consent.gate.check`` over the state
folded from the ledgers of the contact and everyone merged into it), without the
organisation's message policy (caps, quiet hours), which is about messages, not audiences.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, insert, select

from cadence.consent import gate, store
from cadence.consent.config import PermissionConfig
from cadence.consent.service import suppressed_for
from cadence.consent.state import fold
from cadence.contacts import profile
from cadence.db.engine import UnitOfWork
from cadence.db.tables import audience_members, audience_syncs, contacts, segment_members, segments
from cadence.errors import FieldError, InputError, NotFound
from cadence.sending import section as channel_addresses
from cadence.sending.addresses import CONVENTION, AddressTraits, address_for

PLATFORMS: Final = ("google", "meta")
SOCIAL: Final = "social"
_GMAIL: Final = frozenset({"gmail.com", "googlemail.com"})
_NON_DIGITS: Final = re.compile(r"\D")
_A = audience_members.c


def normalise_email(value: object, *, platform: str) -> str | None:
    """Trimmed, lower-cased; for Google also without the dots of a Gmail local part."""
    email = profile.normalise_email(value)
    if email is None:
        return None
    local, _, domain = email.partition("@")
    if platform == "google" and domain in _GMAIL:
        return f"{local.replace('.', '')}@{domain}"
    return email


def normalise_phone(value: object, *, platform: str) -> str | None:
    """E.164 (``+4930123456``) for Google, digits with country code for Meta; numbers
    written without an international prefix are skipped (their country is a guess)."""
    if not isinstance(value, str):
        return None
    raw = value.strip()
    digits = _NON_DIGITS.sub("", raw)
    if raw.startswith("00"):
        digits = digits[2:]
    elif not raw.startswith("+"):
        return None
    if not 7 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return f"+{digits}" if platform == "google" else digits


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def identifiers(
    *,
    email: object,
    traits: Mapping[str, Any],
    platform: str,
    reach: AddressTraits = CONVENTION,
) -> dict[str, str] | None:
    """The hashed email and phone (the SMS address) of one contact (whichever exist); None
    if neither."""
    found: dict[str, str] = {}
    normal_email = normalise_email(email or traits.get("email"), platform=platform)
    if normal_email is not None:
        found["email"] = sha256(normal_email)
    phone = normalise_phone(
        address_for(channel="sms", email=None, traits=traits, config=reach), platform=platform
    )
    if phone is not None:
        found["phone"] = sha256(phone)
    return found or None


@dataclass(frozen=True, kw_only=True)
class Audience:
    segment: str
    platform: str
    topic: str
    members: dict[int, dict[str, str]]  # contact id -> hashed identifiers
    skipped: dict[str, int]  # why members were left out, with counts


def _segment_id(uow: UnitOfWork, key: str) -> int:
    found = uow.conn.execute(select(segments.c.id).where(segments.c.key == key)).scalar()
    if found is None:
        raise NotFound("segment", "key")
    return int(found)


def check_request(*, platform: str, topic: str, uow: UnitOfWork) -> None:
    config = store.load_config(uow)
    errors = []
    if platform not in PLATFORMS:
        errors.append(FieldError("platform", f"must be one of {', '.join(PLATFORMS)}"))
    if SOCIAL not in config.channels:
        errors.append(FieldError("platform", "the 'social' channel is not configured"))
    if topic not in config.topics:
        errors.append(FieldError("topic", f"unknown topic {topic!r}"))
    if errors:
        raise InputError(errors)


def _member_rows(uow: UnitOfWork, segment_id: int) -> Iterator[Any]:
    query = (
        select(contacts.c.id, contacts.c.email, contacts.c.traits)
        .join(segment_members, segment_members.c.contact_id == contacts.c.id)
        .where(segment_members.c.segment_id == segment_id)
        .order_by(contacts.c.id)
    )
    yield from uow.conn.execute(query)


def _covered(
    uow: UnitOfWork, *, contact_id: int, topic: str, now: int, config: PermissionConfig
) -> gate.Decision:
    family = store.family(uow, contact_id=contact_id)
    entries = [entry for _, entry in store.load_entries(uow, contact_ids=family.ids)]
    return gate.check(
        consent_state=fold(entries=entries, config=config),
        suppressed=suppressed_for(family=family, channel=SOCIAL, uow=uow) is not None,
        recent_sends=(),
        channel=SOCIAL,
        topic=topic,
        at=now,
        config=config,
    )


def build(uow: UnitOfWork, *, segment: str, platform: str, topic: str, now: int) -> Audience:
    """The segment's current audience on ``platform`` for ads about ``topic``."""
    check_request(platform=platform, topic=topic, uow=uow)
    segment_id = _segment_id(uow, segment)
    config = store.load_config(uow)
    reach = channel_addresses.load(uow)
    members: dict[int, dict[str, str]] = {}
    skipped: dict[str, int] = {}
    for row in list(_member_rows(uow, segment_id)):
        decision = _covered(uow, contact_id=row.id, topic=topic, now=now, config=config)
        if isinstance(decision, gate.Blocked):
            skipped[decision.reason.value] = skipped.get(decision.reason.value, 0) + 1
            continue
        found = identifiers(
            email=row.email, traits=row.traits or {}, platform=platform, reach=reach
        )
        if found is None:
            skipped["no_identifier"] = skipped.get("no_identifier", 0) + 1
            continue
        members[row.id] = found
    return Audience(
        segment=segment, platform=platform, topic=topic, members=members, skipped=skipped
    )


def upload_document(platform: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Rows in the platform's API shape: Meta's ``schema``/``data`` payload, Google's
    ``userIdentifiers`` (one per hashed identifier, as Customer Match takes them)."""
    if platform == "meta":
        return {
            "schema": ["EMAIL", "PHONE"],
            "data": [[row.get("email", ""), row.get("phone", "")] for row in rows],
        }
    return {
        "operations": [
            {
                "create": {
                    "userIdentifiers": [
                        {"hashedEmail" if kind == "email" else "hashedPhoneNumber": value}
                        for kind, value in sorted(row.items())
                    ]
                }
            }
            for row in rows
        ]
    }


def upload_csv(platform: str, rows: list[dict[str, str]]) -> str:
    """The file the ad platforms' upload screens take (hashed values in the columns)."""
    names = ("Email", "Phone") if platform == "google" else ("email", "phone")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows([row.get("email", ""), row.get("phone", "")] for row in rows)
    return out.getvalue()


def sync(uow: UnitOfWork, audience: Audience, *, now: int) -> dict[str, Any]:
    """Compare with the last sync's members, store the new set; who to add, who to remove."""
    key = (_A.segment_key == audience.segment) & (_A.platform == audience.platform)
    before = {
        row.contact_id: dict(row.hashes)
        for row in uow.conn.execute(select(_A.contact_id, _A.hashes).where(key))
    }
    added = [h for cid, h in audience.members.items() if before.get(cid) != h]
    removed = [h for cid, h in before.items() if audience.members.get(cid) != h]
    uow.conn.execute(delete(audience_members).where(key))
    if audience.members:
        uow.conn.execute(
            insert(audience_members),
            [
                {
                    "segment_key": audience.segment,
                    "platform": audience.platform,
                    "contact_id": cid,
                    "hashes": hashes,
                    "synced_at": now,
                }
                for cid, hashes in audience.members.items()
            ],
        )
    uow.conn.execute(
        insert(audience_syncs).values(
            segment_key=audience.segment,
            platform=audience.platform,
            members=len(audience.members),
            added=len(added),
            removed=len(removed),
            at=now,
        )
    )
    return {
        "segment": audience.segment,
        "platform": audience.platform,
        "topic": audience.topic,
        "members": len(audience.members),
        "skipped": audience.skipped,
        "add": upload_document(audience.platform, added),
        "remove": upload_document(audience.platform, removed),
        "added": len(added),
        "removed": len(removed),
    }
