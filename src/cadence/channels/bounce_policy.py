"""What a bounce or complaint does to an address: pure rules, no storage.

- A complaint suppresses the address: the person told their mailbox provider it was spam.
- A hard bounce suppresses it, unless the failure was our own doing (a block list, a
  DMARC or content rejection, a loop, a size limit): suppressing the recipient would not
  fix that, and would lose a reachable person.
- A soft bounce is counted; ``SOFT_LIMIT`` soft bounces within ``SOFT_WINDOW_DAYS``
  suppress the address as if it had bounced hard. Sender-side soft failures do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cadence.channels.bounces import Recipient, ReportKind

SOFT_LIMIT: Final = 3
SOFT_WINDOW_DAYS: Final = 30
ACTIONABLE: Final = frozenset(
    {ReportKind.HARD_BOUNCE, ReportKind.SOFT_BOUNCE, ReportKind.COMPLAINT}
)


@dataclass(frozen=True, kw_only=True)
class Verdict:
    kind: str  # hard_bounce | soft_bounce | complaint
    suppress: str | None  # the suppression reason, or None to only log
    counts: bool  # whether it counts toward the soft-bounce limit
    why: str


def judge(*, kind: ReportKind, recipient: Recipient | None, soft_bounces_before: int) -> Verdict:
    """The verdict for one address of a report. ``soft_bounces_before`` counts the
    address's earlier counted soft bounces within the window."""
    if kind is ReportKind.COMPLAINT:
        return Verdict(kind="complaint", suppress="complaint", counts=False, why="spam complaint")
    sender_side = recipient is not None and recipient.sender_side
    category = recipient.category if recipient is not None else None
    if sender_side:
        return Verdict(
            kind=kind.value,
            suppress=None,
            counts=False,
            why=f"sender-side failure ({category}): the address is not at fault",
        )
    if kind is ReportKind.HARD_BOUNCE:
        return Verdict(kind="hard_bounce", suppress="hard_bounce", counts=False, why="hard bounce")
    if soft_bounces_before + 1 >= SOFT_LIMIT:
        return Verdict(
            kind="soft_bounce",
            suppress="hard_bounce",
            counts=True,
            why=f"{SOFT_LIMIT} soft bounces within {SOFT_WINDOW_DAYS} days",
        )
    return Verdict(kind="soft_bounce", suppress=None, counts=True, why="soft bounce, counted")
