"""The preference center (``/p/{token}``): a GET shows it and changes nothing (link
scanners follow links); the POST is protected against CSRF and answers with a redirect."""

from __future__ import annotations

import uuid
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from cadence.api.consent_deps import links as request_links
from cadence.consent import preference_center as center
from cadence.consent.models import Frequency
from cadence.consent.preferences import PAUSE_DAYS, Choices, wording_for
from cadence.consent.tokens import Purpose, TokenClaims
from cadence.db.types import from_millis
from cadence.errors import InputError, NotFound
from cadence.events.spec import Event
from cadence.web import csrf
from cadence.web.common import (
    claims_or_page,
    client_ip,
    gone_page,
    in_transaction,
    message_page,
    now,
    user_agent,
)
from cadence.web.render import page

router = APIRouter(include_in_schema=False)

FREQUENCY_LABELS: Final = {
    Frequency.REALTIME: "As it happens",
    Frequency.DAILY: "At most once a day",
    Frequency.WEEKLY: "At most once a week",
    Frequency.MONTHLY: "At most once a month",
    Frequency.QUARTERLY: "At most once a quarter",
}
NOTICES: Final = {
    "saved": "Your choices are saved.",
    "less": "Done: from now on you will hear from us at most once a month per topic.",
    "left": "You are unsubscribed from everything. We are sorry to see you go.",
}


def _day(moment: int | None) -> str | None:
    return None if moment is None else from_millis(moment).strftime("%-d %B %Y")


def _frequency_value(frequency: Frequency | None) -> str:
    return frequency.value if frequency is not None else ""


def _context(model: center.PageModel, *, action: str, csrf_value: str) -> dict[str, Any]:
    config = model.config
    channels = [
        {
            "name": channel,
            "label": channel.replace("_", " "),
            "topics": [
                {
                    "value": f"{channel}:{topic}",
                    "id": f"sub-{channel}-{topic}",
                    "label": wording_for(channel=channel, topic=topic),
                    "checked": (channel, topic) in model.checked,
                    "pending": (channel, topic) in model.pending,
                }
                for topic in config.topics
            ],
        }
        for channel in config.channels
    ]
    frequencies = [{"value": f.value, "label": FREQUENCY_LABELS[f]} for f in config.frequencies]
    topics = [
        {
            "name": topic,
            "label": topic.replace("_", " ").capitalize(),
            "current": _frequency_value(model.frequency.get(topic)),
        }
        for topic in config.topics
    ]
    return {
        "action": action,
        "csrf_field": csrf.FIELD,
        "csrf_value": csrf_value,
        "email": model.masked_email,
        "channels": channels,
        "topics": topics,
        "frequencies": frequencies,
        "pause_days": PAUSE_DAYS,
        "paused_until": _day(model.paused_until),
        "profile": [
            {"name": name, "label": name.replace("_", " ").capitalize(), "value": value}
            for name, value in model.profile.items()
        ],
    }


async def show_center(
    request: Request, *, contact_id: int, form_token: str, extra: dict[str, Any]
) -> Response:
    moment = now()
    try:
        model = await in_transaction(
            request, lambda uow: center.page_model(uow, contact_id=contact_id, now=moment)
        )
    except NotFound:
        return gone_page()
    nonce = csrf.nonce(request)
    value = csrf.field_value(request, nonce_value=nonce, scope=form_token)
    response = page(
        "preferences.html",
        **_context(model, action=f"/p/{form_token}", csrf_value=value),
        **extra,
    )
    csrf.remember(response, request, nonce_value=nonce)
    return response


@router.get("/p/{token}", response_class=HTMLResponse)
async def show_preferences(request: Request, token: str, done: str | None = None) -> Response:
    claims = claims_or_page(request, token=token, purpose=Purpose.PREFS, now=now())
    if not isinstance(claims, TokenClaims):
        return claims
    notice = NOTICES.get(done or "")
    if notice and request.query_params.get("confirm"):
        notice += " We sent you a message: confirm it to start receiving email."
    return await show_center(
        request, contact_id=claims.contact_id, form_token=token, extra={"notice": notice}
    )


def parse_choices(form: FormData, model: center.PageModel) -> Choices:
    """The submitted choices, keeping only channels, topics and values the page offered."""
    config = model.config
    subscribed = set()
    for value in form.getlist("sub"):
        channel, _, topic = str(value).partition(":")
        if channel in config.channels and topic in config.topics:
            subscribed.add((channel, topic))
    frequency: dict[str, Frequency] = {}
    for topic in config.topics:
        chosen = form.get(f"freq:{topic}")
        if isinstance(chosen, str) and chosen in {f.value for f in config.frequencies}:
            frequency[topic] = Frequency(chosen)
    pause = form.get("pause")
    pause_days = (
        int(pause) if isinstance(pause, str) and pause in {"0", *map(str, PAUSE_DAYS)} else None
    )
    return Choices(subscribed=frozenset(subscribed), frequency=frequency, pause_days=pause_days)


async def _update_profile(request: Request, form: FormData, model: center.PageModel) -> None:
    """Changed key profile fields go through the pipeline, like any identify call."""
    traits: dict[str, Any] = {}
    for name, before in model.profile.items():
        value = form.get(f"profile:{name}")
        if not isinstance(value, str):
            continue
        value = value.strip()[:255]
        if value != before:
            traits[name] = value or None
    if not traits:
        return
    moment = now()
    event = Event(
        message_id=f"prefs-{uuid.uuid4()}",
        type="identify",
        user_id=None,
        anonymous_id=None,
        ts=moment,
        received_at=moment,
        traits=traits,
        contact_id=model.contact_id,
    )
    await request.app.state.committer.submit([event])


@router.post("/p/{token}", response_class=HTMLResponse)
async def save_preferences(request: Request, token: str) -> Response:
    moment = now()
    claims = claims_or_page(request, token=token, purpose=Purpose.PREFS, now=moment)
    if not isinstance(claims, TokenClaims):
        return claims
    form = await request.form()
    if not csrf.valid(request, form, scope=token):
        return message_page(
            "Please try again",
            "This form was open too long or came from another site, so nothing was changed. "
            "Reload the page and submit it again.",
            status_code=403,
            error=True,
            link=f"/p/{token}",
            link_text="Back to my preferences",
        )
    action = form.get("action")
    ip, agent, links = client_ip(request), user_agent(request), request_links(request)
    try:
        model = await in_transaction(
            request, lambda uow: center.page_model(uow, contact_id=claims.contact_id, now=moment)
        )
        if action == "unsubscribe_all":
            done = "left"
            outcome = await in_transaction(
                request,
                lambda uow: center.unsubscribe_everything(
                    uow, contact_id=model.contact_id, now=moment, ip=ip, user_agent=agent
                ),
            )
        elif action == "less":
            done = "less"
            outcome = await in_transaction(
                request,
                lambda uow: center.less_often(
                    uow, contact_id=model.contact_id, now=moment, ip=ip, user_agent=agent
                ),
            )
        else:
            done = "saved"
            choices = parse_choices(form, model)
            outcome = await in_transaction(
                request,
                lambda uow: center.save_choices(
                    uow,
                    contact_id=model.contact_id,
                    choices=choices,
                    now=moment,
                    ip=ip,
                    user_agent=agent,
                    links=links,
                ),
            )
            await _update_profile(request, form, model)
    except NotFound:
        return gone_page()
    except InputError as error:
        return refused(error)
    confirm = "&confirm=1" if outcome.confirmation_requested else ""
    return RedirectResponse(f"/p/{token}?done={done}{confirm}", status_code=303)


def refused(error: InputError) -> HTMLResponse:
    """The page for a change the consent rules refuse (nothing was written)."""
    return message_page("Nothing was changed", error.message, status_code=error.status, error=True)
