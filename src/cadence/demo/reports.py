"""Bounce and complaint reports for the demo's sends, built with the stdlib ``email`` package:
an RFC 3464 delivery status notification or an RFC 5965 (ARF) feedback report that returns
the original message's headers, as a receiving mail system would send them back."""

from __future__ import annotations

from email.message import Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.utils import formatdate
from typing import Final

REPORTING_MTA: Final = "mx.demo-receiver.example"
# status, diagnostic: what a receiving server says for a hard and for a soft failure
FAILURES: Final = {
    "hard": ("5.1.1", "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    "soft": ("4.2.2", "smtp; 452 4.2.2 <{rcpt}>: Mailbox full, try again later"),
}


def original_headers(eml: bytes) -> Message:
    """The header block of a sent ``.eml`` (what reports return of the original)."""
    return BytesHeaderParser().parsebytes(eml)


def _block(fields: list[tuple[str, str]]) -> Message:
    block = Message()
    for name, value in fields:
        block[name] = value
    return block


def _date(at: int) -> str:
    return formatdate(at / 1000, usegmt=True)


def delivery_status(*, eml: bytes, kind: str, at: int) -> bytes:
    """A DSN saying the recipient of ``eml`` could not be reached (``kind``: hard/soft)."""
    original = original_headers(eml)
    recipient = str(original["To"])
    status, diagnostic = FAILURES[kind]
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Mail Delivery System <MAILER-DAEMON@{REPORTING_MTA}>"
    report["To"] = str(original["Return-Path"] or original["From"])
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = _date(at)
    human = f"Your message to {recipient} could not be delivered.\n"
    report.attach(MIMEText(human, "plain"))
    status_part = Message()
    status_part.set_type("message/delivery-status")
    status_part.set_payload(
        [
            _block([("Reporting-MTA", f"dns; {REPORTING_MTA}"), ("Arrival-Date", _date(at))]),
            _block(
                [
                    ("Final-Recipient", f"rfc822; {_bare(recipient)}"),
                    ("Action", "failed"),
                    ("Status", status),
                    ("Diagnostic-Code", diagnostic.format(rcpt=_bare(recipient))),
                ]
            ),
        ]
    )
    report.attach(status_part)
    report.attach(MIMEText(_header_text(original), "rfc822-headers"))
    return report.as_bytes()


def complaint(*, eml: bytes, at: int) -> bytes:
    """An ARF abuse report: the recipient of ``eml`` pressed "this is spam"."""
    original = original_headers(eml)
    recipient = _bare(str(original["To"]))
    report = MIMEMultipart("report", report_type="feedback-report")
    report["From"] = f"Feedback Loop <fbl@{REPORTING_MTA}>"
    report["To"] = str(original["Return-Path"] or original["From"])
    report["Subject"] = "Abuse report"
    report["Date"] = _date(at)
    report.attach(MIMEText("This is an email abuse report.\n", "plain"))
    feedback = Message()
    feedback.set_type("message/feedback-report")
    feedback.set_payload(
        "Feedback-Type: abuse\nUser-Agent: demo-fbl/1.0\nVersion: 1\n"
        f"Original-Rcpt-To: {recipient}\nArrival-Date: {_date(at)}\n"
        f"Reporting-MTA: dns; {REPORTING_MTA}\n"
    )
    report.attach(feedback)
    report.attach(MIMEMessage(original))
    return report.as_bytes()


def _header_text(headers: Message) -> str:
    return "".join(f"{name}: {value}\n" for name, value in headers.items())


def _bare(address: str) -> str:
    start, end = address.rfind("<"), address.rfind(">")
    return address[start + 1 : end] if 0 <= start < end else address.strip()
