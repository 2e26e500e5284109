"""Taking in bounces and complaints: match them to the send, log them, suppress, record.

One report is one unit of work (the caller's). Reading the same report twice changes
nothing the second time (the log is keyed by the report's hash and the address).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, insert, select, update

from cadence import pipeline
from cadence.channels.bounce_policy import ACTIONABLE, SOFT_WINDOW_DAYS, Verdict, judge
from cadence.channels.bounces import (
    SENDER_SIDE_CATEGORIES,
    Recipient,
    Report,
    ReportKind,
    parse_report,
)
from cadence.channels.events import channel_event
from cadence.channels.mail import send_of
from cadence.consent import suppression_list
from cadence.consent.models import DAY_MS
from cadence.consent.suppression import email_hash
from cadence.contacts import service as contacts_service
from cadence.contacts.profile import normalise_email
from cadence.db.engine import UnitOfWork
from cadence.db.tables import bounce_log, contacts, sends
from cadence.errors import NotFound
from cadence.sending import events

EVENT_NAMES: Final = {"complaint": "Spam Complaint"}  # bounces are "Email Bounced"
_B = bounce_log.c


class NotAReport(ValueError):
    """The message is not a bounce or complaint we can read."""


@dataclass(frozen=True, kw_only=True)
class AddressOutcome:
    email_hash: str
    kind: str
    category: str | None
    suppressed: bool
    duplicate: bool
    why: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class Outcome:
    report: str  # the parser's kind
    send_id: int | None
    contact_id: int | None
    addresses: list[AddressOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.report,
            "send_id": self.send_id,
            "contact_id": self.contact_id,
            "ignored": self.report not in {k.value for k in ACTIONABLE},
            "addresses": [a.as_dict() for a in self.addresses],
        }


def ingest_report(uow: UnitOfWork, *, raw: bytes, key: bytes, now: int, source: str) -> Outcome:
    """Read one raw message and act on it; raise NotAReport for what is not one."""
    report = parse_report(raw)
    if report.kind is ReportKind.UNKNOWN:
        raise NotAReport(report.reason or "not a delivery status notification or feedback report")
    if report.kind not in ACTIONABLE:  # auto-replies, delays, delivery notices: nothing to do
        return Outcome(report=report.kind.value, send_id=None, contact_id=None)
    send = _matched_send(uow, report, key=key)
    contact_id = _live_contact(uow, send["contact_id"]) if send is not None else None
    targets = _targets(uow, report, contact_id=contact_id)
    if contact_id is None and targets:
        contact_id = _contact_by_email(uow, targets[0][0])
    report_hash = hashlib.sha256(raw).hexdigest()
    addresses = [
        _act(
            uow,
            email=email,
            recipient=recipient,
            report=report,
            report_hash=report_hash,
            send_id=None if send is None else send["id"],
            contact_id=contact_id,
            now=now,
            source=source,
        )
        for email, recipient in targets
    ]
    fresh = [a for a in addresses if not a.duplicate]
    if send is not None and fresh and report.kind is not ReportKind.COMPLAINT:
        uow.conn.execute(update(sends).where(sends.c.id == send["id"]).values(status="bounced"))
        _publish_bounce(uow, send, report, contact_id=contact_id, now=now)
    if contact_id is not None and fresh:
        _record_event(
            uow,
            report,
            fresh[0],
            report_hash=report_hash,
            send=send,
            contact_id=contact_id,
            now=now,
        )
    return Outcome(
        report=report.kind.value,
        send_id=None if send is None else send["id"],
        contact_id=contact_id,
        addresses=addresses,
    )


def _publish_bounce(
    uow: UnitOfWork, send: dict[str, Any], report: Report, *, contact_id: int | None, now: int
) -> None:
    """``message.bounced`` in the transaction that marks the send bounced."""
    bounced = events.Outcome(
        status="bounced",
        send_id=int(send["id"]),
        contact_id=contact_id if contact_id is not None else int(send["contact_id"]),
        message_key=send["message_key"],
        channel=send["channel"],
        topic=send["topic"],
        source=send["source"] or "",
        detail=report.kind.value,
    )
    events.publish(uow.conn, [bounced], at=now)


def _matched_send(uow: UnitOfWork, report: Report, *, key: bytes) -> dict[str, Any] | None:
    for text in (report.cadence_message, report.original_message_id):
        send_id = send_of(key=key, text=text)
        if send_id is not None:
            row = uow.conn.execute(
                select(
                    *(sends.c.id, sends.c.contact_id, sends.c.message_key, sends.c.source),
                    *(sends.c.channel, sends.c.topic),
                ).where(sends.c.id == send_id)
            ).first()
            if row is not None:
                return dict(row._mapping)
    return None


def _live_contact(uow: UnitOfWork, contact_id: int) -> int | None:
    try:
        return contacts_service.resolve_id(uow, contact_id)
    except NotFound:  # erased since: nothing to record for them
        return None


def _contact_by_email(uow: UnitOfWork, email: str) -> int | None:
    try:
        return _live_contact(uow, contacts_service.lookup(uow, kind="email", value=email))
    except NotFound:
        return None


def _targets(
    uow: UnitOfWork, report: Report, *, contact_id: int | None
) -> list[tuple[str, Recipient | None]]:
    """The addresses the report is about (the address we sent to, where the report says)."""
    found: dict[str, Recipient | None] = {}
    for recipient in report.recipients:
        email = normalise_email(recipient.original_address or recipient.address)
        if email is not None and email not in found:
            found[email] = recipient
    if not found:
        email = normalise_email(report.original_recipient)
        if email is None and contact_id is not None:
            email = normalise_email(
                uow.conn.execute(
                    select(contacts.c.email).where(contacts.c.id == contact_id)
                ).scalar()
            )
        if email is not None:
            found[email] = None
    return list(found.items())


def _soft_count(uow: UnitOfWork, *, hashed: str, now: int) -> int:
    return int(
        uow.conn.execute(
            select(func.count())
            .select_from(bounce_log)
            .where(
                _B.email_hash == hashed,
                _B.kind == "soft_bounce",
                _B.at > now - SOFT_WINDOW_DAYS * DAY_MS,
                (_B.category.is_(None))
                | _B.category.not_in([c.value for c in SENDER_SIDE_CATEGORIES]),
            )
        ).scalar_one()
    )


def _act(
    uow: UnitOfWork,
    *,
    email: str,
    recipient: Recipient | None,
    report: Report,
    report_hash: str,
    send_id: int | None,
    contact_id: int | None,
    now: int,
    source: str,
) -> AddressOutcome:
    hashed = email_hash(email=email)
    category = None if recipient is None or recipient.category is None else recipient.category.value
    seen = uow.conn.execute(
        select(_B.kind, _B.suppressed).where(_B.report_hash == report_hash, _B.email_hash == hashed)
    ).first()
    if seen is not None:
        return AddressOutcome(
            email_hash=hashed,
            kind=seen.kind,
            category=category,
            suppressed=bool(seen.suppressed),
            duplicate=True,
            why="this report was already taken in",
        )
    verdict: Verdict = judge(
        kind=report.kind,
        recipient=recipient,
        soft_bounces_before=_soft_count(uow, hashed=hashed, now=now),
    )
    if verdict.suppress is not None:
        suppression_list.add(uow, email=email, reason=verdict.suppress, now=now)
    uow.conn.execute(
        insert(bounce_log).values(
            send_id=send_id,
            contact_id=contact_id,
            email_hash=hashed,
            report_hash=report_hash,
            kind=verdict.kind,
            category=category,
            status=None if recipient is None else recipient.status,
            diagnostic=None if recipient is None else (recipient.diagnostic or "")[:2000] or None,
            suppressed=verdict.suppress is not None,
            source=source,
            at=now,
        )
    )
    return AddressOutcome(
        email_hash=hashed,
        kind=verdict.kind,
        category=category,
        suppressed=verdict.suppress is not None,
        duplicate=False,
        why=verdict.why,
    )


def _record_event(
    uow: UnitOfWork,
    report: Report,
    outcome: AddressOutcome,
    *,
    report_hash: str,
    send: dict[str, Any] | None,
    contact_id: int,
    now: int,
) -> None:
    properties: dict[str, Any] = {
        "kind": outcome.kind,
        "category": outcome.category,
        "suppressed": outcome.suppressed,
    }
    if send is not None:
        properties.update(message=send["message_key"], send_id=send["id"], source=send["source"])
    if report.feedback_type:
        properties["feedback_type"] = report.feedback_type
    event = channel_event(
        name=EVENT_NAMES.get(outcome.kind, "Email Bounced"),
        contact_id=contact_id,
        properties=properties,
        at=now,
        message_id=f"bounce-{report_hash[:32]}-{outcome.email_hash[:16]}",
    )
    pipeline.process(uow, [event], now=now)
