"""Hosted, embeddable subscribe forms (``/f/{form}``) with an incentive per audience.

GET chooses the visitor's audience and incentive and records the display. POST checks,
in order: the IP's rate limit, the signed single-use display token (the protection
against forged submissions), the honeypot, the fields; then creates or updates the
contact through the pipeline and records the opt-in with the form's exact wording, all
in one transaction. Every attempt is logged with its outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from cadence import pipeline
from cadence.api.consent_deps import links as request_links
from cadence.consent import store as consent_store
from cadence.consent.models import Frequency
from cadence.contacts.profile import normalise_email
from cadence.db.engine import UnitOfWork
from cadence.db.tables import identities
from cadence.errors import NotFound
from cadence.events.spec import Event
from cadence.forms import service
from cadence.forms.config import FormSpec
from cadence.web.common import client_ip, in_transaction, message_page, now, user_agent
from cadence.web.form_visitor import secret, visitor_of
from cadence.web.preference_pages import FREQUENCY_LABELS
from cadence.web.render import page

router = APIRouter(include_in_schema=False)
PHONE_CHANNELS: Final = frozenset({"sms", "phone"})
_PHONE: Final = re.compile(r"\+?[0-9 ().-]{6,24}")


@dataclass
class Submitted:
    email: str = ""
    phone: str = ""
    topics: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    frequency: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)


def _render(
    form: FormSpec,
    *,
    token: str,
    incentive: str | None,
    values: Submitted,
    anonymous_id: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        "form.html",
        status_code=status_code,
        frame_ancestors=form.embed_origins,
        form=form,
        action=f"/f/{form.key}",
        token=token,
        incentive=incentive,
        anonymous_id=anonymous_id,
        errors=values.errors,
        invalid={e["id"] for e in values.errors},
        values={"email": values.email, "phone": values.phone, "frequency": values.frequency},
        ask_phone=bool(PHONE_CHANNELS & set(form.channels)),
        topics=[
            {"name": t, "label": t.replace("_", " ").capitalize(), "checked": t in values.topics}
            for t in form.topics
        ],
        channels=[
            {"name": c, "label": c.replace("_", " ").capitalize(), "checked": c in values.channels}
            for c in form.channels
        ],
        frequencies=[{"value": f.value, "label": FREQUENCY_LABELS[f]} for f in form.frequencies],
    )


@router.get("/f/{key}", response_class=HTMLResponse)
async def show_form(request: Request, key: str) -> Response:
    moment = now()
    ip_key = service.ip_hash(key=service.forms_key(secret=secret(request)), ip=client_ip(request))

    def work(uow: UnitOfWork) -> tuple[FormSpec, str | None, int, str | None]:
        form = service.get_form(uow, key=key)
        visitor = visitor_of(request, uow, moment)
        incentive, view_id = service.show(
            uow, form=form, visitor=visitor, ip_key=ip_key, now=moment
        )
        return form, incentive.text if incentive else None, view_id, visitor.email

    try:
        form, incentive, view_id, email = await in_transaction(request, work)
    except NotFound:
        return message_page(
            "No such form", "This form does not exist.", status_code=404, error=True
        )
    token = service.view_token(
        key=service.forms_key(secret=secret(request)), view_id=view_id, form_key=key, now=moment
    )
    anonymous_id = request.query_params.get("anonymous_id")
    values = Submitted(email=email or "")
    return _render(form, token=token, incentive=incentive, values=values, anonymous_id=anonymous_id)


def read_submission(form: FormSpec, data: FormData) -> Submitted:
    """The submitted values, and an error per field that cannot be accepted."""
    values = Submitted(
        email=str(data.get("email") or "").strip()[:320],
        phone=str(data.get("phone") or "").strip()[:32],
        topics=[t for t in map(str, data.getlist("topic")) if t in form.topics],
        channels=[c for c in map(str, data.getlist("channel")) if c in form.channels],
        frequency=str(data.get("frequency") or ""),
    )
    if len(form.channels) == 1:
        values.channels = list(form.channels)
    if normalise_email(values.email) is None:
        values.errors.append({"id": "email", "message": "Enter your email address"})
    if not values.topics:
        values.errors.append({"id": "topics", "message": "Choose at least one topic"})
    if not values.channels:
        values.errors.append({"id": "channels", "message": "Choose how we may reach you"})
    if PHONE_CHANNELS & set(values.channels) and not _PHONE.fullmatch(values.phone):
        values.errors.append({"id": "phone", "message": "Enter a phone number for SMS or calls"})
    if form.frequencies and values.frequency not in {f.value for f in form.frequencies}:
        values.frequency = form.frequencies[0].value
    return values


@dataclass
class Answer:
    outcome: str
    form: FormSpec | None = None
    incentive: str | None = None
    values: Submitted | None = None
    pending: bool = False


@router.post("/f/{key}", response_class=HTMLResponse)
async def submit_form(request: Request, key: str) -> Response:
    moment = now()
    data = await request.form()
    forms_key = service.forms_key(secret=secret(request))
    ip_key = service.ip_hash(key=forms_key, ip=client_ip(request))
    ip, agent, links = client_ip(request), user_agent(request), request_links(request)
    anonymous_id = str(data.get("anonymous_id") or "")[:255] or None
    token = data.get("v")

    def work(uow: UnitOfWork) -> Answer:
        form = service.get_form(uow, key=key)
        view_id = service.check_view_token(key=forms_key, token=token, form_key=key, now=moment)

        def log(outcome: str) -> Answer:
            service.log_attempt(
                uow, form_key=key, view_id=view_id, ip_key=ip_key, outcome=outcome, now=moment
            )
            return Answer(outcome=outcome, form=form)

        if service.over_limit(uow, ip_key=ip_key, now=moment):
            return log("limited")
        if view_id is None:
            return log("forged")
        if data.get("website"):
            return log("honeypot")
        values = read_submission(form, data)
        if values.errors:
            answer = log("invalid")
            answer.values = values
            answer.incentive = service.shown_incentive(uow, form=form, view_id=view_id)
            return answer
        if not service.claim_view(uow, view_id=view_id, form_key=key):
            return log("reused")
        contact_id = _upsert_contact(
            uow, values=values, anonymous_id=anonymous_id, view_id=view_id, now=moment
        )
        subscription = service.Subscription(
            channels=tuple(values.channels),
            topics=tuple(values.topics),
            frequency=Frequency(values.frequency) if values.frequency else None,
        )
        pending = service.subscribe(
            uow,
            form=form,
            view_id=view_id,
            contact_id=contact_id,
            subscription=subscription,
            now=moment,
            ip=ip,
            user_agent=agent,
            links=links,
        )
        answer = log("accepted")
        answer.pending = pending
        return answer

    try:
        answer = await in_transaction(request, work)
    except NotFound:
        return message_page(
            "No such form", "This form does not exist.", status_code=404, error=True
        )
    return _answer_page(answer, token=str(token or ""), anonymous_id=anonymous_id)


def _upsert_contact(
    uow: UnitOfWork, *, values: Submitted, anonymous_id: str | None, view_id: int, now: int
) -> int:
    """Create or update the contact through the same pipeline as an identify call."""
    email = normalise_email(values.email)
    assert email is not None
    traits: dict[str, Any] = {"email": email}
    if values.phone and PHONE_CHANNELS & set(values.channels):
        traits["phone"] = values.phone
    event = Event(
        message_id=f"form-view-{view_id}",
        type="identify",
        user_id=None,
        anonymous_id=anonymous_id,
        ts=now,
        received_at=now,
        traits=traits,
    )
    pipeline.process(uow, [event], now=now)
    row = uow.conn.execute(
        select(identities.c.contact_id).where(
            identities.c.kind == "email", identities.c.value == email
        )
    ).one()
    return consent_store.family(uow, contact_id=row[0]).contact_id


def _answer_page(answer: Answer, *, token: str, anonymous_id: str | None) -> Response:
    origins = answer.form.embed_origins if answer.form is not None else ()
    if answer.outcome == "limited":
        return message_page(
            "Please wait a moment",
            "We received many sign-ups from your network just now. Try again in a few minutes.",
            status_code=429,
            error=True,
            frame_ancestors=origins,
        )
    if answer.outcome in ("forged", "reused"):
        return message_page(
            "Please try again",
            "This form was open too long, already sent, or did not come from our page. "
            "Reload it and send it again.",
            status_code=403 if answer.outcome == "forged" else 409,
            error=True,
            frame_ancestors=origins,
        )
    if answer.outcome == "invalid" and answer.form is not None and answer.values is not None:
        return _render(
            answer.form,
            token=token,
            incentive=answer.incentive,
            values=answer.values,
            anonymous_id=anonymous_id,
            status_code=400,
        )
    text = (
        "Almost done: we sent you an email. Confirm your subscription with the link in it."
        if answer.pending
        else "You are subscribed. You can change your choices at any time from any message."
    )
    return message_page("Thank you!", text, frame_ancestors=origins)
