"""Who is looking at a form: request context and, for known visitors, their profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import select

from cadence.consent import store as consent_store
from cadence.consent.links import signing_key
from cadence.consent.tokens import Purpose, TokenError, verify
from cadence.contacts.profile import normalise_email
from cadence.db.engine import UnitOfWork
from cadence.db.tables import identities
from cadence.errors import NotFound
from cadence.forms import service
from cadence.forms.targeting import Visitor


def secret(request: Request) -> str:
    return str(request.app.state.secret_key)


def visitor_of(request: Request, uow: UnitOfWork, moment: int) -> Visitor:
    query = request.query_params
    referrer = query.get("ref") or request.headers.get("referer") or ""
    country = query.get("country") or request.headers.get("cf-ipcountry")
    contact_id = known_contact(request, uow, moment)
    email, state = normalise_email(query.get("email")), None
    if contact_id is not None:
        known_email, state = service.known_visitor(uow, contact_id=contact_id, now=moment)
        email = email or known_email
    return Visitor(
        utm_source=query.get("utm_source"),
        referrer_host=urlsplit(referrer).hostname if referrer else None,
        country=country,
        email=email,
        known=state,
        contact_id=contact_id,
    )


def known_contact(request: Request, uow: UnitOfWork, moment: int) -> int | None:
    """A visitor is known through their personal link token or the site's anonymous id."""
    token, anonymous_id = request.query_params.get("k"), request.query_params.get("anonymous_id")
    try:
        if token:
            key = signing_key(secret=secret(request))
            return verify(key=key, token=token, purpose=Purpose.PREFS, at=moment).contact_id
        if anonymous_id:
            found = uow.conn.execute(
                select(identities.c.contact_id).where(
                    identities.c.kind == "anonymous_id", identities.c.value == anonymous_id[:320]
                )
            ).first()
            return (
                None if found is None else consent_store.family(uow, contact_id=found[0]).contact_id
            )
    except (TokenError, NotFound):
        return None
    return None
