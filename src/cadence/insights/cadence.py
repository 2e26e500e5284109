"""Per-contact engagement frequency: saturated, on target or under-served.

Each person's response to recent volume: email sends in the last 30 days against the 30
days before, and their opens and clicks in each period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, sends
from cadence.insights.lists import list_apply
from cadence.insights.models import Kind, Suggestion, capped

DAY_MS = 86_400_000
PERIOD_MS = 30 * DAY_MS
ENGAGEMENT = ("Email Opened", "Email Clicked")
RISE = 1.5  # recent volume at least this many times the earlier volume
FALL = 0.5  # engagement per email at most this share of the earlier one
HEAVY = 8  # emails in 30 days that earn no response at all: saturated
LIGHT = 2  # at most this many emails in 30 days ...
EAGER = 1.0  # ... each answered (opens and clicks per email): under-served

Verdict = Literal["saturated", "on_target", "under_served"]


@dataclass(frozen=True)
class Volume:
    sent_before: int
    engaged_before: int
    sent_recent: int
    engaged_recent: int


def classify(v: Volume) -> Verdict | None:
    """How a person responds to the volume they get (None: nothing sent recently)."""
    if v.sent_recent == 0:
        return None
    rate = v.engaged_recent / v.sent_recent
    if v.sent_before and v.sent_recent >= RISE * v.sent_before:
        before = v.engaged_before / v.sent_before
        if before > 0 and rate <= FALL * before:
            return "saturated"
    if v.sent_recent >= HEAVY and v.engaged_recent == 0:
        return "saturated"
    if v.sent_recent <= LIGHT and rate >= EAGER:
        return "under_served"
    return "on_target"


def volumes(uow: UnitOfWork, *, now: int) -> dict[int, Volume]:
    start, middle = now - 2 * PERIOD_MS, now - PERIOD_MS
    s, e = sends.c, events.c
    sent: Counter[tuple[int, bool]] = Counter()
    at = millis(s.at)
    query = sa.select(s.contact_id, at).where(
        s.channel == "email", s.status != "failed", at >= start, at < now
    )
    for contact_id, when in uow.conn.execute(query):
        sent[(contact_id, when >= middle)] += 1
    engaged: Counter[tuple[int, bool]] = Counter()
    ts = millis(e.ts)
    recipients = sorted({c for c, _ in sent})
    for chunk_start in range(0, len(recipients), 900):
        chunk = recipients[chunk_start : chunk_start + 900]
        rows = sa.select(e.contact_id, ts).where(
            e.name.in_(ENGAGEMENT), e.contact_id.in_(chunk), ts >= start, ts < now
        )
        for contact_id, when in uow.conn.execute(rows):
            engaged[(contact_id, when >= middle)] += 1
    live = (
        set(
            uow.conn.scalars(
                sa.select(contacts.c.id).where(
                    contacts.c.id.in_(recipients), contacts.c.merged_into.is_(None)
                )
            )
        )
        if recipients
        else set()
    )
    return {
        c: Volume(sent[(c, False)], engaged[(c, False)], sent[(c, True)], engaged[(c, True)])
        for c in recipients
        if c in live
    }


# verdict -> (kind, title, reason, severity, list key, list name, list description)
_WORDING: dict[str, tuple[Kind, str, str, int, str, str, str]] = {
    "saturated": (
        "cadence_saturated",
        "{count} contact(s) are saturated: lower their cadence",
        "Their engagement per email fell as the number of emails rose (or a heavy volume, "
        f"{HEAVY}+ emails in 30 days, earned no response at all).",
        1,
        "cadence-saturated",
        "Cadence: saturated",
        "Engagement falls as volume rises: send less often",
    ),
    "under_served": (
        "cadence_underserved",
        "{count} contact(s) are under-served: raise their cadence",
        f"They got at most {LIGHT} emails in 30 days and responded to each.",
        3,
        "cadence-underserved",
        "Cadence: under-served",
        "Engaged with every email at a low volume: send more often",
    ),
}


def suggest(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    verdicts: dict[str, list[int]] = {"saturated": [], "on_target": [], "under_served": []}
    for contact_id, volume in volumes(uow, now=now).items():
        found_verdict = classify(volume)
        if found_verdict is not None:
            verdicts[found_verdict].append(contact_id)
    evidence = {k: len(v) for k, v in verdicts.items()}
    found: list[Suggestion] = []
    for verdict, (kind, title, reason, severity, key, name, about) in _WORDING.items():
        if not verdicts[verdict]:
            continue
        shown, count = capped(verdicts[verdict])
        found.append(
            Suggestion(
                id=kind,
                kind=kind,
                title=title.format(count=count),
                reason=reason,
                evidence=evidence,
                contact_ids=shown,
                contact_count=count,
                severity=severity,
                apply=list_apply(key=key, name=name, description=about, count=count),
            )
        )
    return found
