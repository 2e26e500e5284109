"""Complaints: ARF feedback reports (RFC 5965) and the look-alikes large mailbox providers send."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from cadence.channels.bounces.fields import FieldBlock, find_address, parse_fields, untyped
from cadence.channels.bounces.mime import (
    content_type,
    header,
    iter_leaves,
    originals,
    part_text,
    report_type,
)
from cadence.channels.bounces.models import Recipient

FEEDBACK_TYPE = "message/feedback-report"
_ARF_FIELDS = frozenset(
    {
        "feedback-type",
        "user-agent",
        "version",
        "original-rcpt-to",
        "original-mail-from",
        "removal-recipient",
        "reporting-mta",
        "source-ip",
        "reported-domain",
        "arrival-date",
    }
)
# Outlook.com's JMRP sends the complained-about message with this header and no ARF part.
_JMRP_HEADER = "X-HmXmrOriginalRecipient"


@dataclass(frozen=True, slots=True)
class Complaint:
    """A recipient's complaint (or opt-out) about a message we sent."""

    feedback_type: str | None
    recipients: tuple[Recipient, ...]
    reporting_mta: str | None
    dialect: str


def read_complaint(msg: Message, *, original_recipient: str | None) -> Complaint | None:
    """The complaint ``msg`` carries, if it is one."""
    return _arf(msg, original_recipient=original_recipient) or _jmrp(msg) or _apple_unsubscribe(msg)


def _arf(msg: Message, *, original_recipient: str | None) -> Complaint | None:
    block = _feedback_fields(msg)
    if block is None:
        return None
    addresses = [find_address(untyped(v)) for v in block.all("original-rcpt-to")]
    addresses += [find_address(v) for v in block.all("removal-recipient")]
    found = [a for a in addresses if a]
    if not found and original_recipient:
        found = [original_recipient]
    feedback_type = block.first("feedback-type").split(";")[0].strip().lower() or None
    return Complaint(
        feedback_type=feedback_type,
        recipients=tuple(Recipient(address=a) for a in dict.fromkeys(found)),
        reporting_mta=untyped(block.first("reporting-mta")) or None,
        dialect="arf",
    )


def _feedback_fields(msg: Message) -> FieldBlock | None:
    """The fields of the feedback-report part, or of its text when the MIME is broken."""
    for part in iter_leaves(msg):
        if content_type(part) == FEEDBACK_TYPE:
            return _merged(parse_fields(part_text(part)))
    if report_type(msg) != "feedback-report":
        return None
    text = "\n".join(part_text(p) for p in iter_leaves(msg))
    block = _merged(parse_fields(text, known=_ARF_FIELDS))
    return block if "feedback-type" in block else None


def _merged(blocks: list[FieldBlock]) -> FieldBlock:
    merged = FieldBlock()
    for block in blocks:
        merged.items.extend(block.items)
    return merged


def _jmrp(msg: Message) -> Complaint | None:
    for original in originals(msg):
        address = find_address(header(original, _JMRP_HEADER))
        if address:
            return Complaint(
                feedback_type=None,
                recipients=(Recipient(address=address),),
                reporting_mta=None,
                dialect="outlook_jmrp",
            )
    return None


def _apple_unsubscribe(msg: Message) -> Complaint | None:
    """Apple Mail's unsubscribe button: a mail from the recipient asking to opt out."""
    if header(msg, "X-Apple-Unsubscribe").lower() != "true":
        return None
    address = find_address(header(msg, "From"))
    return Complaint(
        feedback_type="opt-out",
        recipients=(Recipient(address=address),) if address else (),
        reporting_mta=None,
        dialect="apple_unsubscribe",
    )
