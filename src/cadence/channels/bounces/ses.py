"""Amazon SES event notifications (bounce, complaint, delivery) delivered by SNS as email."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from cadence.channels.bounces.classify import bounce_kind, categorize, clean_status, refine_status
from cadence.channels.bounces.fields import find_address, untyped
from cadence.channels.bounces.models import BounceKind, Recipient, ReportKind
from cadence.channels.bounces.original import Original, original_from_headers

# SNS wraps long lines in the email body with "!" at the break and a space after it.
_SNS_WRAP = re.compile(r"!\r?\n ")


@dataclass(frozen=True, slots=True)
class SesNotification:
    kind: ReportKind
    recipients: tuple[Recipient, ...]
    feedback_type: str | None
    reporting_mta: str | None
    reason: str
    original: Original


def read_ses(text: str) -> SesNotification | None:
    """The SES notification in an SNS email body, if that is what ``text`` is."""
    if "notificationType" not in text and "eventType" not in text:
        return None
    event = _load(_SNS_WRAP.sub("", text))
    if event is None:
        return None
    event_type = str(event.get("notificationType") or event.get("eventType") or "")
    mail = _dict(event.get("mail"))
    original = _original(mail)
    if event_type == "Bounce":
        return _bounce(_dict(event.get("bounce")), original)
    if event_type == "Complaint":
        return _complaint(_dict(event.get("complaint")), original)
    if event_type == "Delivery":
        return _delivery(_dict(event.get("delivery")), original)
    return None


def _load(text: str) -> dict[str, Any] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start : end + 1])
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            data = json.loads(data["Message"])
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _original(mail: dict[str, Any]) -> Original:
    pairs = [
        (str(h.get("name", "")), str(h.get("value", "")))
        for h in _list(mail.get("headers"))
        if isinstance(h, dict) and h.get("name")
    ]
    return original_from_headers(pairs)


def _bounce(bounce: dict[str, Any], original: Original) -> SesNotification:
    permanent = str(bounce.get("bounceType", "")) == "Permanent"
    recipients = []
    for item in filter(None, map(_dict, _list(bounce.get("bouncedRecipients")))):
        address = find_address(str(item.get("emailAddress", "")))
        if address is None:
            continue
        diagnostic = untyped(str(item.get("diagnosticCode") or "")) or None
        status = refine_status(clean_status(str(item.get("status") or "")), diagnostic or "")
        category = categorize(status=status, text=diagnostic or "")
        kind = bounce_kind(status=status, category=category, permanent=permanent)
        recipients.append(
            Recipient(
                address=address,
                action=str(item.get("action") or "failed"),
                status=status,
                diagnostic=diagnostic,
                kind=kind,
                category=category,
            )
        )
    hard = any(r.kind is BounceKind.HARD for r in recipients)
    bounce_type = f"{bounce.get('bounceType', '')} {bounce.get('bounceSubType', '')}".strip()
    return SesNotification(
        kind=ReportKind.HARD_BOUNCE if hard else ReportKind.SOFT_BOUNCE,
        recipients=tuple(recipients),
        feedback_type=None,
        reporting_mta=untyped(str(bounce.get("reportingMTA") or "")) or None,
        reason=next((r.diagnostic for r in recipients if r.diagnostic), None)
        or f"Amazon SES bounce: {bounce_type or 'unspecified'}",
        original=original,
    )


def _complaint(complaint: dict[str, Any], original: Original) -> SesNotification:
    items = filter(None, map(_dict, _list(complaint.get("complainedRecipients"))))
    addresses = [find_address(str(item.get("emailAddress", ""))) for item in items]
    feedback_type = complaint.get("complaintFeedbackType")
    return SesNotification(
        kind=ReportKind.COMPLAINT,
        recipients=tuple(Recipient(address=a) for a in addresses if a),
        feedback_type=str(feedback_type).lower() if feedback_type else None,
        reporting_mta=None,
        reason=f"Amazon SES complaint: {feedback_type or 'unspecified'}",
        original=original,
    )


def _delivery(delivery: dict[str, Any], original: Original) -> SesNotification:
    response = str(delivery.get("smtpResponse") or "") or None
    addresses = [find_address(str(a)) for a in _list(delivery.get("recipients"))]
    return SesNotification(
        kind=ReportKind.DELIVERED,
        recipients=tuple(
            Recipient(
                address=a,
                action="delivered",
                status=clean_status(response or ""),
                diagnostic=response,
            )
            for a in addresses
            if a
        ),
        feedback_type=None,
        reporting_mta=untyped(str(delivery.get("reportingMTA") or "")) or None,
        reason=response or "Amazon SES delivery",
        original=original,
    )
