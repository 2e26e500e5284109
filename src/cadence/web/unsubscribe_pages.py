"""One-click unsubscribe (``/u/{token}``, RFC 8058).

A GET shows the preference center with the unsubscribe choice on top and changes nothing
(link scanners follow links). A POST with the body ``List-Unsubscribe=One-Click``
withdraws the token's topic on its channel at once; it carries no CSRF field because
mail providers send it without cookies: the signed, unexpired token is the authority.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cadence.api.consent_deps import links as request_links
from cadence.consent import preference_center as center
from cadence.consent.tokens import Purpose, TokenClaims
from cadence.errors import InputError, NotFound
from cadence.web.common import (
    claims_or_page,
    client_ip,
    gone_page,
    in_transaction,
    message_page,
    now,
    user_agent,
)
from cadence.web.preference_pages import refused, show_center

router = APIRouter(include_in_schema=False)
ONE_CLICK: Final = ("List-Unsubscribe", "One-Click")


@router.get("/u/{token}", response_class=HTMLResponse)
async def show_unsubscribe(request: Request, token: str) -> Response:
    """Shows the preference center with the one-click choice on top; changes nothing."""
    moment = now()
    claims = claims_or_page(request, token=token, purpose=Purpose.UNSUB, now=moment)
    if not isinstance(claims, TokenClaims):
        return claims
    prefs_token = request_links(request).preferences_token(contact_id=claims.contact_id, now=moment)
    unsubscribe = {
        "action": f"/u/{token}",
        "field": ONE_CLICK[0],
        "value": ONE_CLICK[1],
        "what": _what(claims),
    }
    return await show_center(
        request,
        contact_id=claims.contact_id,
        form_token=prefs_token,
        extra={"notice": None, "unsubscribe": unsubscribe},
    )


def _what(claims: TokenClaims) -> str:
    channel = (claims.channel or "").replace("_", " ")
    if claims.topic in (None, "*"):
        return f"everything by {channel}"
    return f"{claims.topic.replace('_', ' ')} by {channel}"


@router.post("/u/{token}", response_class=HTMLResponse)
async def one_click_unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058: a POST with ``List-Unsubscribe=One-Click`` withdraws at once."""
    moment = now()
    claims = claims_or_page(request, token=token, purpose=Purpose.UNSUB, now=moment)
    if not isinstance(claims, TokenClaims):
        return claims
    form = await request.form()
    if form.get(ONE_CLICK[0]) != ONE_CLICK[1] or not claims.channel or not claims.topic:
        return message_page(
            "Nothing was changed",
            "To unsubscribe, use the Unsubscribe button on the page this link opens.",
            status_code=400,
            error=True,
            link=f"/u/{token}",
            link_text="Open the page",
        )
    channel, topic = claims.channel, claims.topic
    ip, agent = client_ip(request), user_agent(request)
    try:
        await in_transaction(
            request,
            lambda uow: center.one_click(
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
        return refused(error)
    prefs = request_links(request).preferences_token(contact_id=claims.contact_id, now=moment)
    return message_page(
        "You are unsubscribed",
        f"You will no longer receive {_what(claims)}. Changed your mind, or want less "
        "rather than nothing? Your preferences are one click away.",
        link=f"/p/{prefs}",
        link_text="My preferences",
    )
