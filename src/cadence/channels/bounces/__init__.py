"""Parse what comes back after a send: bounces, complaints and auto-replies.

Pure: bytes in, values out; no I/O except reading an mbox file you name.
"""

from cadence.channels.bounces.mbox import iter_mbox, split_mbox
from cadence.channels.bounces.models import (
    SENDER_SIDE_CATEGORIES,
    BounceKind,
    Category,
    Recipient,
    Report,
    ReportKind,
)
from cadence.channels.bounces.report import parse_report

__all__ = [
    "SENDER_SIDE_CATEGORIES",
    "BounceKind",
    "Category",
    "Recipient",
    "Report",
    "ReportKind",
    "iter_mbox",
    "parse_report",
    "split_mbox",
]
