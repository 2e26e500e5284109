"""``parse_report``: raw bytes in, a ``Report`` out, whatever the bytes are."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email.message import Message

from cadence.channels.bounces.arf import read_complaint
from cadence.channels.bounces.autoreply import is_auto_reply
from cadence.channels.bounces.classify import bounce_kind, categorize, find_status
from cadence.channels.bounces.dsn import read_dsn, read_dsn_text
from cadence.channels.bounces.fields import find_address, find_addresses
from cadence.channels.bounces.heuristics import notes_by_address, read_text_bounce
from cadence.channels.bounces.mime import body_texts, header, parse_bytes
from cadence.channels.bounces.models import BounceKind, Recipient, Report, ReportKind
from cadence.channels.bounces.original import Original, embedded_reports, read_original
from cadence.channels.bounces.ses import read_ses
from cadence.channels.bounces.signals import (
    dialect_of,
    is_bounce_like,
    is_permanent,
    own_text,
)

_OWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Return-Path", "Sender", "Delivered-To")
_REPORTING_MTA = re.compile(
    r"(?:qmail-send program at|mail system at host|mail agent v[\d.]+ at|^message from)"
    r"\s+(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
    re.IGNORECASE | re.MULTILINE,
)
_MAX_DEPTH = 2
_ROLE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@(?P<h>.+)$", re.I)


def parse_report(raw: bytes) -> Report:
    """Parse a bounce, complaint or auto-reply; never raises, whatever ``raw`` holds."""
    try:
        return analyse(raw)
    except Exception:  # the last line of defence: a report we cannot read is "unknown"
        return Report(kind=ReportKind.UNKNOWN, reason="unreadable message")


@dataclass(frozen=True, slots=True)
class _Context:
    msg: Message
    text: str
    original: Original


def analyse(raw: bytes) -> Report:
    """``parse_report`` without its safety net, so tests can see any exception."""
    return _analyse(parse_bytes(raw), depth=0)


def _analyse(msg: Message, *, depth: int) -> Report:
    texts = body_texts(msg)
    context = _Context(msg=msg, text="\n".join(texts), original=read_original(msg, texts=texts))
    found = _complaint(context) or _ses(context) or _dsn(context)
    if found is not None:
        return found
    bounce = _text_bounce(context)
    if bounce is not None and bounce.recipients:
        return bounce
    embedded = _embedded(context, depth=depth)
    if embedded is not None:
        return embedded
    return bounce or _auto_reply(context) or _report(context, kind=ReportKind.UNKNOWN)


def _embedded(context: _Context, *, depth: int) -> Report | None:
    """A report forwarded inside this one (attached, or pasted into the text)."""
    if depth >= _MAX_DEPTH:
        return None
    for inner in embedded_reports(context.msg, context.text):
        report = _analyse(inner, depth=depth + 1)
        if report.recipients and report.kind is not ReportKind.UNKNOWN:
            return _with_original(report, context.original)
    return None


def _with_original(report: Report, outer: Original) -> Report:
    """Fill what the inner report lacks about the original from the outer one."""
    return replace(
        report,
        original_message_id=report.original_message_id or outer.message_id,
        original_recipient=report.original_recipient or outer.recipient,
        cadence_headers={**outer.cadence_headers, **report.cadence_headers},
    )


def _report(
    context: _Context,
    *,
    kind: ReportKind,
    recipients: Sequence[Recipient] = (),
    dialect: str | None = None,
    reporting_mta: str | None = None,
    feedback_type: str | None = None,
    reason: str | None = None,
    original: Original | None = None,
) -> Report:
    original = original or context.original
    return Report(
        kind=kind,
        recipients=tuple(recipients),
        feedback_type=feedback_type,
        original_message_id=original.message_id,
        original_recipient=original.recipient,
        cadence_headers=dict(original.cadence_headers),
        reporting_mta=reporting_mta,
        reason=reason or _summary(context),
        dialect=dialect,
    )


def _complaint(context: _Context) -> Report | None:
    complaint = read_complaint(context.msg, original_recipient=context.original.recipient)
    if complaint is None:
        return None
    return _report(
        context,
        kind=ReportKind.COMPLAINT,
        recipients=complaint.recipients,
        dialect=complaint.dialect,
        reporting_mta=complaint.reporting_mta,
        feedback_type=complaint.feedback_type,
    )


def _ses(context: _Context) -> Report | None:
    notification = read_ses(context.text)
    if notification is None:
        return None
    return _report(
        context,
        kind=notification.kind,
        recipients=notification.recipients,
        dialect="amazon_ses",
        reporting_mta=notification.reporting_mta,
        feedback_type=notification.feedback_type,
        reason=notification.reason,
        original=notification.original,
    )


def _dsn(context: _Context) -> Report | None:
    text = own_text(context.text)
    notes = notes_by_address(text, exclude=_exclusions(context))
    dsn = read_dsn(context.msg, notes=notes)
    if dsn is None or not dsn.recipients:
        dsn = read_dsn_text(text, notes=notes) or dsn
    if dsn is None or not dsn.recipients:
        return None
    dialect = dialect_of(context.msg, context.text)
    return _report(
        context,
        kind=kind_of(dsn.recipients),
        recipients=dsn.recipients,
        dialect="rfc3464" if dialect == "generic" else dialect,
        reporting_mta=dsn.reporting_mta or _reporting_mta(context),
        reason=_first_diagnostic(dsn.recipients),
    )


def _text_bounce(context: _Context) -> Report | None:
    if not is_bounce_like(context.msg, context.text):
        return None
    text = own_text(context.text)
    bounce = read_text_bounce(context.msg, text=text, exclude=_exclusions(context))
    if bounce.recipients:
        kind = kind_of(bounce.recipients)
    elif bounce.delayed:
        kind = ReportKind.DELAYED
    else:
        kind = _kind_without_recipients(text)
    return _report(
        context,
        kind=kind,
        recipients=bounce.recipients,
        dialect=dialect_of(context.msg, context.text),
        reporting_mta=_reporting_mta(context),
        reason=_first_diagnostic(bounce.recipients),
    )


def _auto_reply(context: _Context) -> Report | None:
    if not is_auto_reply(context.msg):
        return None
    address = find_address(header(context.msg, "From"))
    return _report(
        context,
        kind=ReportKind.AUTO_REPLY,
        recipients=(Recipient(address=address),) if address else (),
        dialect="rfc3834",
        reason=header(context.msg, "Subject") or None,
    )


def kind_of(recipients: Sequence[Recipient]) -> ReportKind:
    """The report's kind from its recipients: the worst outcome among them."""
    kinds = {r.kind for r in recipients}
    actions = {r.action for r in recipients}
    if BounceKind.HARD in kinds:
        return ReportKind.HARD_BOUNCE
    if actions and actions <= {"delayed"}:
        return ReportKind.DELAYED
    if BounceKind.SOFT in kinds:
        return ReportKind.SOFT_BOUNCE
    if actions and actions <= {"delivered", "relayed", "expanded", "deliverable"}:
        return ReportKind.DELIVERED
    return ReportKind.UNKNOWN


def _kind_without_recipients(text: str) -> ReportKind:
    status = find_status(text)
    category = categorize(status=status, text=text)
    kind = bounce_kind(status=status, category=category, permanent=is_permanent(text))
    return ReportKind.HARD_BOUNCE if kind is BounceKind.HARD else ReportKind.SOFT_BOUNCE


def _exclusions(context: _Context) -> frozenset[str]:
    """Addresses a failed recipient cannot be: the report's own parties and our sender."""
    found = {a for name in _OWN_HEADERS for a in find_addresses(header(context.msg, name))}
    if context.original.sender:
        found.add(context.original.sender)
    return frozenset(found)


def _reporting_mta(context: _Context) -> str | None:
    match = _REPORTING_MTA.search(context.text[:20000])
    if match:
        return match.group("h").rstrip(".").lower()
    role = _ROLE.match(find_address(header(context.msg, "From")) or "")
    return role.group("h") if role else None


def _first_diagnostic(recipients: Sequence[Recipient]) -> str | None:
    return next((r.diagnostic for r in recipients if r.diagnostic), None)


def _summary(context: _Context) -> str | None:
    """The first lines of the report's own text, or its subject."""
    words = " ".join(own_text(context.text)[:2000].split())
    return words[:300] or header(context.msg, "Subject") or None
