"""Topics whose unsubscribe or complaint rate rose after their sending frequency rose."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import consent_ledger, preference_choices, sends
from cadence.insights.lists import list_apply
from cadence.insights.models import Suggestion, capped

DAY_MS = 86_400_000
PERIOD_MS = 30 * DAY_MS
RISE = 1.5  # emails per recipient at least this many times the earlier period's
WORSE = 2.0  # opt-out rate at least this many times the earlier period's
MIN_OPT_OUTS = 3
FLOOR = 0.01  # an earlier rate of zero counts as this (1 %)
LEAVING = ("topic_unsubscribe", "full_unsubscribe")


@dataclass(frozen=True)
class Period:
    recipients: int
    sent: int
    opted_out: int

    @property
    def per_recipient(self) -> float:
        return self.sent / self.recipients if self.recipients else 0.0

    @property
    def rate(self) -> float:
        return self.opted_out / self.recipients if self.recipients else 0.0


def fatigued(before: Period, recent: Period) -> bool:
    """Volume per person rose and, after it, people left (or complained) much more often."""
    if not before.recipients or recent.opted_out < MIN_OPT_OUTS:
        return False
    louder = recent.per_recipient >= RISE * before.per_recipient
    return louder and recent.rate >= WORSE * max(before.rate, FLOOR)


def _leavers(uow: UnitOfWork, start: int, end: int) -> dict[int, set[str | None]]:
    """Per contact, the topics left in [start, end) (None: everything, or a complaint)."""
    p, c = preference_choices.c, consent_ledger.c
    found: dict[int, set[str | None]] = defaultdict(set)
    at = millis(p.at)
    query = sa.select(p.contact_id, p.kind, p.topic).where(
        p.kind.in_(LEAVING), at >= start, at < end
    )
    for contact_id, kind, topic in uow.conn.execute(query):
        found[contact_id].add(topic if kind == "topic_unsubscribe" else None)
    complaints = sa.select(c.contact_id).where(
        c.source == "complaint", millis(c.at) >= start, millis(c.at) < end
    )
    for (contact_id,) in uow.conn.execute(complaints):
        found[contact_id].add(None)
    return found


def periods(
    uow: UnitOfWork, *, start: int, end: int
) -> dict[str, tuple[Period, set[int], set[int]]]:
    """Per topic: the period's figures, its recipients and those who left."""
    s = sends.c
    at = millis(s.at)
    query = sa.select(s.topic, s.contact_id, sa.func.count()).where(
        s.channel == "email", s.status != "failed", at >= start, at < end
    )
    sent: dict[str, dict[int, int]] = defaultdict(dict)
    for topic, contact_id, n in uow.conn.execute(query.group_by(s.topic, s.contact_id)):
        sent[topic][contact_id] = n
    leavers = _leavers(uow, start, end)
    result = {}
    for topic, per_contact in sent.items():
        left = {c for c in per_contact if leavers.get(c, set()) & {topic, None}}
        period = Period(len(per_contact), sum(per_contact.values()), len(left))
        result[topic] = (period, set(per_contact), left)
    return result


def suggest(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    before = periods(uow, start=now - 2 * PERIOD_MS, end=now - PERIOD_MS)
    recent = periods(uow, start=now - PERIOD_MS, end=now)
    found = []
    for topic in sorted(set(before) & set(recent)):
        (b, _, _), (r, recipients, left) = before[topic], recent[topic]
        if not fatigued(b, r):
            continue
        staying = recipients - left
        shown, count = capped(staying)
        found.append(
            Suggestion(
                id=f"frequency_fatigue:{topic}",
                kind="frequency_fatigue",
                title=f"Topic '{topic}': people leave since it is sent more often - "
                "offer a monthly digest",
                reason=f"Emails per recipient rose from {b.per_recipient:.1f} to "
                f"{r.per_recipient:.1f} in 30 days, and the unsubscribe/complaint rate from "
                f"{b.rate:.1%} to {r.rate:.1%}.",
                evidence={
                    "topic": topic,
                    "emails_per_recipient_before": round(b.per_recipient, 2),
                    "emails_per_recipient_recent": round(r.per_recipient, 2),
                    "opt_out_rate_before": round(b.rate, 4),
                    "opt_out_rate_recent": round(r.rate, 4),
                    "opted_out_recent": r.opted_out,
                    "recipients_recent": r.recipients,
                },
                contact_ids=shown,
                contact_count=count,
                severity=1,
                apply=list_apply(
                    key=f"digest-offer-{topic}",
                    name=f"Digest offer: {topic}",
                    description=f"Still subscribed to '{topic}' after its volume rose",
                    count=count,
                ),
            )
        )
    return found
