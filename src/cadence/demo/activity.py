"""Recurring behaviour of a known contact: site visits, email responses, webinars."""

from __future__ import annotations

import itertools
import random
from typing import Any

from cadence.demo.behaviour import SURGE_MS
from cadence.demo.calendar import DAY_MS, HOUR_MS, EmailCampaign
from cadence.demo.content import PAGES, SITE, WHITEPAPERS, Page, Source
from cadence.demo.life import Life
from cadence.demo.messages import Device
from cadence.demo.profile import reveal

_PAGE_BY_PATH = {page.path: page for page in PAGES}
_RESOURCES = _PAGE_BY_PATH["/resources"]
_WEBINARS = _PAGE_BY_PATH["/webinars"]
_VISITS_PER_DAY = 0.1
_PEAK_ACTIVITY = 4.0


def page_weights(*, intent: float, persona: str) -> list[float]:
    """Cumulative weights over PAGES: intent moves attention from blog to pricing."""
    weights = []
    for page in PAGES:
        weight = 0.06 + (1.0 - intent) * (1.0 - page.intent) + intent * page.intent
        if page.category == "Docs" and persona == "Technical Evaluator":
            weight *= 2.5
        if page.path == "/careers":
            weight *= 0.3 if persona != "Early Career" else 2.0
        weights.append(weight)
    return list(itertools.accumulate(weights))


def pick_pages(life: Life, *, count: int, surge: bool = False) -> list[Page]:
    weights = life.surge_weights if surge else life.weights
    return life.rng.choices(PAGES, cum_weights=weights, k=count)


def visit(
    life: Life,
    at: int,
    *,
    device: Device,
    user_id: str | None,
    pages: list[Page],
    source: Source | None = None,
) -> int:
    """Page views of one session, a few seconds to minutes apart; returns when it ended."""
    for page in pages:
        life.out.page(at, page=page, device=device, user_id=user_id, source=source)
        source = Source(0, f"{SITE}{page.path}")
        at += int(life.rng.uniform(15.0, 240.0) * 1000)
    return at


def session_length(rng: random.Random) -> int:
    count = 1
    while count < 8 and rng.random() < 0.55:
        count += 1
    return count


def browse(life: Life) -> None:
    """Visits after sign-up as a thinned Poisson process that follows the plan's activity."""
    rng, plan, contact = life.rng, life.plan, life.contact
    peak = _VISITS_PER_DAY * contact.engagement * _PEAK_ACTIVITY
    at = plan.created_ms + HOUR_MS
    while True:
        at += int(rng.expovariate(peak) * DAY_MS)
        if at > life.horizon:
            return
        if rng.random() * _PEAK_ACTIVITY > plan.activity(at):
            continue
        surge = plan.demo_ms is not None and plan.demo_ms - SURGE_MS <= at <= plan.demo_ms
        device, user_id = life.device(at), life.web_user(at)
        pages = pick_pages(life, count=session_length(rng), surge=surge)
        end = visit(life, at, device=device, user_id=user_id, pages=pages)
        if rng.random() < 0.05 + 0.07 * contact.intent:
            whitepaper_id, title = rng.choice(WHITEPAPERS)
            properties = {"whitepaper_id": whitepaper_id, "title": title, "format": "pdf"}
            life.out.track(
                end,
                event="Whitepaper Downloaded",
                properties=properties,
                user_id=user_id,
                device=device,
                page=_RESOURCES,
            )
            if rng.random() < 0.7:
                reveal(life, end + 1000, device=device)


def _email_properties(campaign: EmailCampaign) -> dict[str, Any]:
    return {
        "campaign": campaign.key,
        "campaign_id": campaign.campaign_id,
        "campaign_name": campaign.name,
        "email_id": f"{campaign.campaign_id}-v1",
        "email_subject": campaign.subject,
        "topic": campaign.topic,
    }


def _click(life: Life, campaign: EmailCampaign, at: int) -> None:
    """Email Clicked, then the visit it leads to, tagged with the campaign's UTM."""
    rng, out = life.rng, life.out
    if campaign.link_path == "/blog/":
        landing = rng.choice([page for page in PAGES if page.category == "Blog"])
    else:
        landing = _PAGE_BY_PATH[campaign.link_path]
    properties = _email_properties(campaign) | {"link_url": f"{SITE}{landing.path}"}
    out.track(at, event="Email Clicked", properties=properties, user_id=life.contact.user_id)
    source = Source(0, "", "newsletter", "email", campaign.key)
    pages = [landing, *pick_pages(life, count=session_length(rng) - 1)]
    device = life.device(at)
    visit(life, at + 4000, device=device, user_id=life.web_user(at), pages=pages, source=source)


def respond_to_emails(life: Life) -> None:
    """Opens, clicks and, for a few, an unsubscribe, for each campaign sent after sign-up."""
    if not life.opted_in:
        return
    rng, contact, out = life.rng, life.contact, life.out
    for campaign in life.calendar.emails:
        sent = campaign.sent_ms
        if sent < life.plan.created_ms + HOUR_MS:
            continue
        if sent > life.horizon:
            return
        activity = min(1.3, life.plan.activity(sent))
        opened = rng.random() < min(0.85, 0.05 + 0.5 * contact.email_affinity * activity)
        at = sent + int(rng.expovariate(1.0 / 6.0) * HOUR_MS)
        quits = 0.0006 + 0.003 * (1.0 - contact.email_affinity) + (0.004 if activity < 0.3 else 0)
        if rng.random() < quits:
            properties = _email_properties(campaign) | {"channel": "email", "scope": "all"}
            out.track(
                at,
                event="Email Opened",
                properties=_email_properties(campaign),
                user_id=contact.user_id,
            )
            out.track(
                at + 30_000, event="Unsubscribed", properties=properties, user_id=contact.user_id
            )
            return
        if not opened:
            continue
        out.track(
            at,
            event="Email Opened",
            properties=_email_properties(campaign),
            user_id=contact.user_id,
        )
        if rng.random() < 0.2:
            reopen = at + int(rng.expovariate(1.0 / 20.0) * HOUR_MS)
            out.track(
                reopen,
                event="Email Opened",
                properties=_email_properties(campaign),
                user_id=contact.user_id,
            )
        if rng.random() < (0.06 + 0.35 * contact.intent) * min(1.0, activity):
            _click(life, campaign, at + int(rng.expovariate(1.0 / 90.0) * 1000))


def register_webinar(life: Life, *, at: int, webinar_index: int, device: Device) -> None:
    """Webinar Registered now; Webinar Attended on the day for some (if the day has come)."""
    rng, contact = life.rng, life.contact
    webinar = life.calendar.webinars[webinar_index]
    life.webinars.add(webinar.webinar_id)
    properties = {
        "webinar_id": webinar.webinar_id,
        "webinar_name": webinar.name,
        "webinar_date": webinar.starts_ms // 1000,
    }
    user_id = life.web_user(at)
    life.out.track(
        at,
        event="Webinar Registered",
        properties=properties,
        user_id=user_id,
        device=device,
        page=_WEBINARS,
    )
    if rng.random() < 0.7:
        reveal(life, at + 1000, device=device)
    if webinar.starts_ms <= life.horizon and rng.random() < 0.4 + 0.35 * contact.intent:
        minutes = min(webinar.duration_minutes, 5 + int(rng.expovariate(1.0 / 30.0)))
        attended = {
            "webinar_id": webinar.webinar_id,
            "webinar_name": webinar.name,
            "duration_minutes": minutes,
        }
        joined = webinar.starts_ms + int(rng.uniform(0.0, 8.0) * 60_000)
        life.out.track(
            joined, event="Webinar Attended", properties=attended, user_id=life.web_user(joined)
        )


def attend_webinars(life: Life) -> None:
    rng, contact = life.rng, life.contact
    boost = 1.3 if contact.persona.startswith("Marketing") else 1.0
    for index, webinar in enumerate(life.calendar.webinars):
        at = webinar.starts_ms - int(rng.uniform(1.0, 9.0) * DAY_MS)
        if webinar.webinar_id in life.webinars:
            continue
        if at < life.plan.created_ms + HOUR_MS or at > life.horizon:
            continue
        chance = (0.03 + 0.22 * contact.intent) * min(1.5, life.plan.activity(at)) * boost
        if rng.random() < chance:
            register_webinar(life, at=at, webinar_index=index, device=life.device(at))
