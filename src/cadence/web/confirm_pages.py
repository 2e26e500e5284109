"""Double opt-in confirmation (``/c/{token}``): GET shows a button, POST confirms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cadence.consent import service
from cadence.consent.tokens import Purpose, TokenClaims
from cadence.errors import InputError, NotFound
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


def _what(claims: TokenClaims) -> str:
    channel = (claims.channel or "").replace("_", " ")
    topic = "everything" if claims.topic in (None, "*") else (claims.topic or "").replace("_", " ")
    return f"{topic} by {channel}"


@router.get("/c/{token}", response_class=HTMLResponse)
async def show_confirm(request: Request, token: str) -> Response:
    claims = claims_or_page(request, token=token, purpose=Purpose.CONFIRM, now=now())
    if not isinstance(claims, TokenClaims):
        return claims
    nonce = csrf.nonce(request)
    response = page(
        "confirm.html",
        what=_what(claims),
        action=f"/c/{token}",
        csrf_field=csrf.FIELD,
        csrf_value=csrf.field_value(request, nonce_value=nonce, scope=token),
    )
    csrf.remember(response, request, nonce_value=nonce)
    return response


@router.post("/c/{token}", response_class=HTMLResponse)
async def confirm(request: Request, token: str) -> Response:
    moment = now()
    claims = claims_or_page(request, token=token, purpose=Purpose.CONFIRM, now=moment)
    if not isinstance(claims, TokenClaims):
        return claims
    form = await request.form()
    if not csrf.valid(request, form, scope=token) or not claims.channel or not claims.topic:
        return message_page(
            "Please try again",
            "We could not check that this came from our page, so nothing was changed. "
            "Open the link from the message again.",
            status_code=403,
            error=True,
        )
    channel, topic = claims.channel, claims.topic
    ip, agent = client_ip(request), user_agent(request)
    try:
        recorded = await in_transaction(
            request,
            lambda uow: service.confirm(
                uow,
                contact_id=claims.contact_id,
                channel=channel,
                topic=topic,
                now=moment,
                ip=ip,
                user_agent=agent,
            ),
        )
    except NotFound:
        return gone_page()
    except InputError as error:
        return message_page("Nothing was changed", error.message, status_code=400, error=True)
    if recorded is None:
        return message_page(
            "Nothing to confirm",
            "This request was already confirmed, or withdrawn since. Nothing was changed.",
        )
    return message_page("Thank you: confirmed", f"You will receive {_what(claims)}.")
