"""One person's messages: anonymous visits, sign-up, profile, demo, trial, orders."""

from __future__ import annotations

import random
from typing import Any

from cadence.demo import ids
from cadence.demo.activity import (
    attend_webinars,
    browse,
    page_weights,
    pick_pages,
    register_webinar,
    respond_to_emails,
    session_length,
    visit,
)
from cadence.demo.behaviour import Plan
from cadence.demo.calendar import DAY_MS, HOUR_MS, Calendar
from cadence.demo.content import (
    CONTACT_PAGE,
    DEMO_PAGE,
    IP_BLOCKS,
    LAUNCH_SOURCE,
    PAGES,
    PRICING,
    SIGNUP_FORMS,
    SOURCES,
    TOPICS,
    USER_AGENTS,
    WHITEPAPERS,
    Page,
    Source,
)
from cadence.demo.life import Life
from cadence.demo.messages import Device, Draft, Emitter
from cadence.demo.orders import AccountStory, complete_order
from cadence.demo.population import Contact
from cadence.demo.profile import ALL_FIELDS, reveal, traits_of

_PAGE = {page.path: page for page in PAGES}
_FORM_PAGE = {
    "newsletter-signup": _PAGE["/blog/lead-scoring-that-works"],
    "whitepaper-gate": _PAGE["/resources"],
    "webinar-registration": _PAGE["/webinars"],
    "contact-us": CONTACT_PAGE,
    "benchmark-giveaway": _PAGE["/resources"],
}
_FORM_FIELDS = {
    "newsletter-signup": ("email", "first_name"),
    "whitepaper-gate": ("email", "first_name", "last_name", "company", "job_title", "country"),
    "webinar-registration": ("email", "first_name", "last_name", "company", "job_title"),
    "contact-us": ("email", "first_name", "last_name", "company", "job_title", "country", "phone"),
    "benchmark-giveaway": ("email", "first_name", "last_name", "company", "country"),
}
# Chance that a person opts in to email, by incentive, for leaders versus everybody else.
_OPT_IN = {
    "newsletter-signup": (0.95, 0.92),
    "whitepaper-gate": (0.4, 0.7),
    "webinar-registration": (0.8, 0.6),
    "contact-us": (0.5, 0.5),
    "benchmark-giveaway": (0.3, 0.85),
}


def _sign_up(life: Life, at: int, form: tuple[str, str, str]) -> None:
    form_id, form_name, incentive = form
    rng, contact, device = life.rng, life.contact, life.devices[0]
    reveal(life, at, _FORM_FIELDS[form_id], device=device)
    leader = contact.is_senior
    life.opted_in = rng.random() < _OPT_IN[form_id][0 if leader else 1]
    properties: dict[str, Any] = {
        "form_id": form_id,
        "form_name": form_name,
        "incentive": incentive,
        "opt_in": life.opted_in,
    }
    if life.opted_in:
        properties["topics"] = sorted(rng.sample(TOPICS, rng.randint(1, len(TOPICS))))
        properties["frequency"] = rng.choice(("weekly", "weekly", "monthly", "daily"))
    life.out.track(
        at + 2000,
        event="Form Submitted",
        properties=properties,
        user_id=contact.user_id,
        device=device,
        page=_FORM_PAGE[form_id],
    )
    if form_id == "whitepaper-gate":
        whitepaper_id, title = rng.choice(WHITEPAPERS)
        life.out.track(
            at + 3000,
            event="Whitepaper Downloaded",
            user_id=contact.user_id,
            properties={"whitepaper_id": whitepaper_id, "title": title, "format": "pdf"},
            device=device,
            page=_PAGE["/resources"],
        )
    upcoming = [i for i, w in enumerate(life.calendar.webinars) if w.starts_ms > at + HOUR_MS]
    if form_id == "webinar-registration" and upcoming:
        register_webinar(life, at=at + 3000, webinar_index=upcoming[0], device=device)


def _anonymous_start(life: Life, *, launch: bool) -> None:
    """Visits before sign-up, the first from a campaign or referrer, the last on a form."""
    rng, plan, device = life.rng, life.plan, life.devices[0]
    source = (
        LAUNCH_SOURCE if launch else rng.choices(SOURCES, weights=[s.weight for s in SOURCES])[0]
    )
    long_enough = plan.created_ms - plan.first_seen_ms > 3 * HOUR_MS
    count = rng.randint(2, 5) if long_enough else 1
    latest = plan.created_ms - 2 * HOUR_MS
    earlier = sorted(rng.uniform(plan.first_seen_ms, latest) for _ in range(count - 2))
    for index, start in enumerate([plan.first_seen_ms, *earlier] if count > 1 else []):
        pages = pick_pages(life, count=session_length(rng))
        visit(
            life,
            int(start),
            device=device,
            user_id=None,
            pages=pages,
            source=source if index == 0 else None,
        )
    forms = [f for f in SIGNUP_FORMS if f[0] != "contact-us" or life.contact.intent > 0.5]
    form = rng.choice(forms)
    final = [*pick_pages(life, count=rng.randint(0, 2)), _FORM_PAGE[form[0]]]
    at = plan.created_ms - len(final) * 250_000
    visit(life, at, device=device, user_id=None, pages=final, source=source if count == 1 else None)
    _sign_up(life, plan.created_ms, form)


def _legacy_start(life: Life) -> None:
    """A customer synced from the CRM at the start of the window, already using the product."""
    contact, plan = life.contact, life.plan
    at = plan.created_ms
    life.known |= set(ALL_FIELDS)
    life.out.identify(at, user_id=contact.user_id, traits=traits_of(contact, set(ALL_FIELDS)))
    life.out.group(
        at + 1000,
        user_id=contact.user_id,
        group_id=contact.account.group_id,
        traits=contact.account.traits(plan=life.story.plan_at(at)),
    )
    life.out.alias(at + 2000, previous_id=contact.user_id, user_id=life.app_user_id)


def _second_device(life: Life) -> None:
    at = life.plan.second_device_ms
    if at is None or at > life.horizon:
        return
    device = life.devices[1]
    pages = pick_pages(life, count=session_length(life.rng))
    end = visit(life, at, device=device, user_id=None, pages=pages)
    traits = {"email": life.contact.email}
    life.out.identify(end, user_id=life.web_user(end), traits=traits, device=device)


def _demo_and_trial(life: Life) -> None:
    plan, contact, out = life.plan, life.contact, life.out
    if plan.demo_ms is not None:
        device = life.device(plan.demo_ms)
        end = visit(
            life,
            plan.demo_ms,
            device=device,
            user_id=life.web_user(plan.demo_ms),
            pages=[PRICING, DEMO_PAGE],
            source=None,
        )
        properties = {
            "form_id": "demo-request",
            "team_size": contact.account.employees,
            "preferred_channel": "phone" if contact.phone else "email",
        }
        out.track(
            end,
            event="Demo Requested",
            properties=properties,
            user_id=life.web_user(end),
            device=device,
            page=DEMO_PAGE,
        )
        reveal(life, end + 1000, (*ALL_FIELDS, "phone"), device=None)
    if plan.trial_ms is not None:
        at = plan.trial_ms
        if plan.aliased:
            out.alias(at, previous_id=contact.user_id, user_id=life.app_user_id)
            traits = traits_of(contact, {"email", "first_name", "last_name"})
            out.identify(at + 1000, user_id=life.app_user_id, traits=traits)
        trial = {
            "trial_plan_name": "Professional",
            "trial_start_date": at // 1000,
            "trial_end_date": (at + 14 * DAY_MS) // 1000,
        }
        out.track(
            at + 2000,
            event="Trial Started",
            properties=trial,
            user_id=life.web_user(at + 2000),
            device=life.device(at),
        )


def _new_device(rng: random.Random, *, seed: int, visitor: str, k: int, locale: str) -> Device:
    return Device(
        anonymous_id=ids.anonymous_id(seed=seed, visitor=visitor, device=k),
        ip=f"{rng.choice(IP_BLOCKS)}.{rng.randrange(1, 255)}",
        user_agent=rng.choice(USER_AGENTS),
        locale=locale,
    )


def contact_messages(
    *,
    seed: int,
    contact: Contact,
    plan: Plan,
    rng: random.Random,
    story: AccountStory,
    calendar: Calendar,
) -> list[Draft]:
    """Every message one contact causes in the window, in order."""
    visitor = f"c{contact.index}"
    life = Life(
        contact=contact,
        plan=plan,
        calendar=calendar,
        rng=rng,
        out=Emitter(seed=seed, visitor=visitor),
        devices=[
            _new_device(rng, seed=seed, visitor=visitor, k=k, locale=contact.country.locale)
            for k in range(2)
        ],
        story=story,
        seed=seed,
        weights=page_weights(intent=contact.intent, persona=contact.persona),
        surge_weights=page_weights(intent=0.9, persona=contact.persona),
    )
    if plan.legacy_customer:
        _legacy_start(life)
    else:
        launch = calendar.launch_ms is not None and plan.first_seen_ms >= calendar.launch_ms
        _anonymous_start(life, launch=launch and rng.random() < 0.6)
    _second_device(life)
    browse(life)
    respond_to_emails(life)
    attend_webinars(life)
    _demo_and_trial(life)
    for number, at in enumerate(plan.orders_ms):
        complete_order(life, at=at, number=number)
    return life.out.finish(end_ms=calendar.end_ms)


def visitor_messages(*, seed: int, index: int, calendar: Calendar) -> list[Draft]:
    """An anonymous visitor who browses once or twice and never signs up."""
    rng = ids.seeded(f"{seed}:visitor:{index}")
    visitor = f"v{index}"
    out = Emitter(seed=seed, visitor=visitor)
    device = _new_device(rng, seed=seed, visitor=visitor, k=0, locale="en-US")
    source = rng.choices(SOURCES, weights=[s.weight for s in SOURCES])[0]
    span = calendar.end_ms - HOUR_MS - calendar.start_ms
    at = calendar.start_ms + int(rng.random() * span)
    for number in range(rng.choice((1, 1, 1, 2))):
        pages: list[Page] = rng.choices(PAGES, k=rng.randint(1, 3))
        for page in pages:
            out.page(
                at,
                page=page,
                device=device,
                user_id=None,
                source=source if number == 0 else Source(0, ""),
            )
            at += int(rng.uniform(10.0, 120.0) * 1000)
        at += int(rng.uniform(1.0, 20.0) * DAY_MS)
    return out.finish(end_ms=calendar.end_ms - 1)
