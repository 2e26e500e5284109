"""A contact's life in the window: when they appear, ask for a demo, buy, fade or lapse.

Everything hangs on the contact's hidden ``intent`` and profile ``fit``, so the milestones
correlate with both: senior people at large, well-fitting companies ask for demos more often
and buy more often; some customers stop buying; some leads cool down.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from cadence.demo.calendar import DAY_MS, HOUR_MS, Calendar
from cadence.demo.population import Account, Contact

SURGE_MS = 14 * DAY_MS


@dataclass
class Plan:
    created_ms: int
    first_seen_ms: int
    legacy_customer: bool = False
    demo_ms: int | None = None
    trial_ms: int | None = None
    aliased: bool = False
    orders_ms: list[int] = field(default_factory=list)
    lapse_ms: int | None = None
    fade_ms: int | None = None
    fade_days: float = 20.0
    second_device_ms: int | None = None

    def activity(self, at: int) -> float:
        """How much more (or less) active than usual the contact is at ``at``."""
        level = 1.0
        if self.demo_ms is not None and self.demo_ms - SURGE_MS <= at <= self.demo_ms:
            level *= 2.5
        if self.trial_ms is not None and at >= self.trial_ms:
            first_order = self.orders_ms[0] if self.orders_ms else None
            level *= 1.6 if first_order is None or at < first_order else 1.2
        if self.fade_ms is not None and at > self.fade_ms:
            level *= math.exp(-(at - self.fade_ms) / (self.fade_days * DAY_MS))
        if self.lapse_ms is not None and at > self.lapse_ms:
            level *= math.exp(-(at - self.lapse_ms) / (10 * DAY_MS))
        return level


def _arrival(rng: random.Random, *, start: int, end: int, growth: float = 1.0) -> int:
    """A time in [start, end] with a density rising linearly (the list grows faster lately)."""
    f = rng.random()
    u = (-1.0 + math.sqrt(1.0 + 2.0 * growth * f * (1.0 + growth / 2.0))) / growth
    return start + int(u * (end - start))


def _orders(
    rng: random.Random, *, first: int, until: int, keep: float, gap_days: float
) -> list[int]:
    orders = [first]
    at = first
    while len(orders) < 48 and rng.random() < keep:
        at += int((7 + rng.expovariate(1.0 / gap_days)) * DAY_MS)
        if at > until:
            break
        orders.append(at)
    return [o for o in orders if o <= until]


def _legacy(rng: random.Random, cal: Calendar, horizon: int) -> Plan:
    """A customer from before the window; about half stop buying early on (lapsed)."""
    created = cal.start_ms + int(rng.uniform(0.0, 12.0) * DAY_MS)
    plan = Plan(created_ms=created, first_seen_ms=created, legacy_customer=True, aliased=True)
    first = created + int(rng.uniform(1.0, 25.0) * DAY_MS)
    if rng.random() < 0.55:
        cutoff = cal.start_ms + (cal.end_ms - cal.start_ms) // 3
        plan.orders_ms = _orders(rng, first=first, until=cutoff, keep=0.5, gap_days=20)
        last = plan.orders_ms[-1] if plan.orders_ms else created
        plan.lapse_ms = last + int(rng.uniform(5.0, 15.0) * DAY_MS)
    else:
        plan.orders_ms = _orders(rng, first=first, until=horizon, keep=0.85, gap_days=35)
    return plan


def choose_legacy(*, account: Account, contacts: Sequence[Contact], rng: random.Random) -> set[int]:
    """Indices of the contacts who were customers before the window: one to three people at
    about one account in eight, more often at large, well-fitting accounts."""
    fit = 0.5 * account.size_score + 0.5 * account.industry.fit
    if not contacts or rng.random() >= 0.02 + 0.2 * fit:
        return set()
    count = min(len(contacts), 1 + (rng.random() < 0.5) + (account.employees >= 1000))
    return {contact.index for contact in rng.sample(list(contacts), count)}


def _pipeline(rng: random.Random, contact: Contact, plan: Plan, horizon: int) -> None:
    """Demo request, trial, first order and repeat orders for a prospect."""
    size = 0.5 + contact.account.size_score
    if rng.random() >= (0.01 + 0.6 * contact.intent**3) * size:
        return
    wait_days = 2.0 + rng.expovariate(1.0 / (35.0 * (1.4 - contact.intent)))
    demo = plan.created_ms + int(wait_days * DAY_MS)
    if demo > horizon:
        return
    plan.demo_ms = demo
    ready = demo + int(rng.uniform(12.0, 50.0) * DAY_MS)
    if rng.random() < 0.45:
        plan.trial_ms = demo + int(rng.uniform(1.0, 6.0) * DAY_MS)
        plan.aliased = rng.random() < 0.6
        ready = max(ready, plan.trial_ms + 14 * DAY_MS)
    if rng.random() < 0.15 + 0.55 * contact.fit and ready <= horizon:
        plan.orders_ms = _orders(rng, first=ready, until=horizon, keep=0.65, gap_days=40)
        if rng.random() < 0.25:
            plan.lapse_ms = plan.orders_ms[-1] + int(rng.uniform(7.0, 20.0) * DAY_MS)


def plan_contact(
    *, contact: Contact, calendar: Calendar, rng: random.Random, legacy: bool = False
) -> Plan:
    """Draw the milestones of one contact inside the calendar's window."""
    horizon = calendar.end_ms - HOUR_MS
    start = calendar.start_ms
    if legacy:
        plan = _legacy(rng, calendar, horizon)
    else:
        if calendar.launch_ms is not None and rng.random() < 0.06:
            created = _arrival(rng, start=calendar.launch_ms, end=horizon, growth=0.01)
        else:
            created = _arrival(rng, start=start + HOUR_MS, end=horizon)
        lead_in = 0.0 if rng.random() < 0.2 else min(21.0, rng.expovariate(1.0 / 4.0))
        first_seen = max(start, created - int(lead_in * DAY_MS))
        plan = Plan(created_ms=created, first_seen_ms=first_seen)
        _pipeline(rng, contact, plan, horizon)
    if not plan.orders_ms and rng.random() < 0.35:
        plan.fade_ms = plan.created_ms + int(rng.uniform(7.0, 100.0) * DAY_MS)
        plan.fade_days = rng.uniform(8.0, 25.0)
    if rng.random() < 0.15:
        plan.second_device_ms = plan.created_ms + int(rng.uniform(3.0, 120.0) * DAY_MS)
    return plan
