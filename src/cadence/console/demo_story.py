"""The demo's permission story, told through the real services: subscribe-form displays
that test two incentives per audience, opt-ins confirmed by double opt-in, and later
preference-center choices (less often, pauses, leaving).

The rates are made up so the dashboard has something to say: the guide wins with
businesses, the prize with customers.
"""

from __future__ import annotations

import hashlib
import random
from typing import Final

from sqlalchemy import Engine, select

from cadence.consent import preference_center
from cadence.consent import service as consent
from cadence.consent.preferences import Choices
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import contacts, form_views
from cadence.forms import service as forms
from cadence.forms.config import FormSpec
from cadence.forms.targeting import email_domain_kind

HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS
# opt-in probability per (audience, incentive)
RATES: Final = {
    ("b2b", "guide"): 0.38,
    ("b2b", "prize"): 0.12,
    ("customers", "guide"): 0.14,
    ("customers", "prize"): 0.33,
    ("everyone", "guide"): 0.10,
    ("everyone", "prize"): 0.16,
}


def _audience(order_count: int, email: str | None) -> str:
    if order_count >= 1:
        return "customers"
    return "b2b" if email_domain_kind(email) == "business" else "everyone"


def _ip_key(rng: random.Random) -> str:
    return hashlib.sha256(str(rng.random()).encode()).hexdigest()


def _visit(
    uow: UnitOfWork, *, form: FormSpec, rng: random.Random, row: tuple[int, str | None, int, int]
) -> bool:
    """One contact's display of the form (after two anonymous ones); whether they opted in."""
    contact_id, email, orders, first_seen = row
    audience = _audience(orders, email)
    incentives: list[str | None] = [i.key for i in form.incentives] or [None]
    for _ in range(2):  # visitors who never signed up
        forms.record_view(
            uow,
            form=form,
            audience=audience,
            incentive=rng.choice(incentives),
            ip_key=_ip_key(rng),
            now=first_seen + rng.randrange(DAY_MS),
        )
    incentive = rng.choice(incentives)
    shown = first_seen + rng.randrange(HOUR_MS)
    view_id = forms.record_view(
        uow, form=form, audience=audience, incentive=incentive, ip_key=_ip_key(rng), now=shown
    )
    if rng.random() >= RATES.get((audience, str(incentive)), 0.1):
        return False
    wanted = forms.Subscription(channels=form.channels[:1], topics=form.topics, frequency=None)
    subscribed_at = shown + 2 * 60_000
    pending = forms.subscribe(
        uow,
        form=form,
        view_id=view_id,
        contact_id=contact_id,
        subscription=wanted,
        now=subscribed_at,
        ip=None,
        user_agent="demo",
        links=None,
    )
    if pending and rng.random() < 0.85:
        for topic in form.topics:
            consent.confirm(
                uow,
                contact_id=contact_id,
                channel=form.channels[0],
                topic=topic,
                now=subscribed_at + HOUR_MS,
            )
    return True


def _later_choice(uow: UnitOfWork, *, contact_id: int, at: int, rng: random.Random) -> None:
    """Some subscribers later ask for less, pause, or leave."""
    draw = rng.random()
    if draw < 0.10:
        preference_center.less_often(uow, contact_id=contact_id, now=at)
    elif draw < 0.16:
        state = consent.current_state(uow, contact_id=contact_id)[1]
        kept = frozenset((r.channel, r.topic) for r in state.rows.values())
        choices = Choices(subscribed=kept, pause_days=30)
        preference_center.save_choices(uow, contact_id=contact_id, choices=choices, now=at)
    elif draw < 0.21:
        preference_center.unsubscribe_everything(uow, contact_id=contact_id, now=at)


def tell(engine: Engine, *, seed: int, now: int) -> str:
    """Add the story once (a second run finds form displays and adds nothing)."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, not security
    with unit_of_work(engine) as uow:
        if uow.conn.execute(select(form_views.c.id).limit(1)).first() is not None:
            return "demo permission story: already there"
        loaded = forms.load_forms(uow)
        if not loaded:
            return "demo permission story: no subscribe form in the workspace"
        form = loaded[0]
        c = contacts.c
        rows = uow.conn.execute(
            select(c.id, c.email, c.order_count, millis(c.first_seen_at))
            .where(c.merged_into.is_(None), c.email.is_not(None), c.first_seen_at.is_not(None))
            .order_by(c.id)
        ).all()
        opted = 0
        for contact_id, email, orders, first_seen in rows:
            if _visit(uow, form=form, rng=rng, row=(contact_id, email, orders, first_seen)):
                opted += 1
                later = first_seen + rng.randrange(DAY_MS, max(2 * DAY_MS, now - first_seen))
                if later < now:
                    _later_choice(uow, contact_id=contact_id, at=later, rng=rng)
    return f"demo permission story: {len(rows) * 3:,} form displays, {opted:,} opt-ins"
