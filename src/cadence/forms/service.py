"""Subscribe-form use cases: definitions, displays, the abuse guard, opt-ins, the report.

Each display is a ``form_views`` row naming the incentive shown and the visitor's
audience; its id travels in a signed, expiring, single-use token that is the form's
protection against forged submissions (it works inside other sites' frames, where
cookies are not sent). Every submission attempt is logged by a keyed hash of the IP,
which also rate-limits it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import and_, func, insert, select, true, update

from cadence.conditions import ContactState, EvalContext, load_states
from cadence.consent import store as consent_store
from cadence.consent.ledger import LedgerEntry
from cadence.consent.links import Links
from cadence.consent.models import Action, Basis, Frequency, Source, Status
from cadence.consent.service import record_entries
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import form_submissions, form_views, meta
from cadence.db.types import from_millis
from cadence.errors import NotFound
from cadence.forms import incentives, targeting
from cadence.forms.config import FormSpec, Incentive, as_document, parse_section
from cadence.forms.targeting import Visitor
from cadence.runtime import now_millis

CONFIG_KEY: Final = "forms.config"
RATE_WINDOW_MS: Final = 10 * 60_000
RATE_LIMIT: Final = 10  # submission attempts per IP per window, across forms
VIEW_TTL_MS: Final = 2 * 3_600_000
_V = form_views.c


def forms_key(*, secret: str) -> bytes:
    return hashlib.sha256(b"cadence.forms.v1:" + secret.encode()).digest()


def ip_hash(*, key: bytes, ip: str | None) -> str:
    """A keyed hash of the IP: counts repeat visitors without storing their address."""
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


def load_forms(uow: UnitOfWork) -> list[FormSpec]:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CONFIG_KEY)).first()
    if row is None:
        return []
    document = {**(consent_store.stored_config_document(uow) or {}), "forms": orjson.loads(row[0])}
    forms, _ = parse_section(document)
    return forms


def save_forms(uow: UnitOfWork, *, forms: Sequence[FormSpec], now: int | None = None) -> None:
    """Store the forms, and the decision points of those choosing incentives adaptively."""
    incentives.register_points(uow, forms=forms, now=now_millis() if now is None else now)
    text = orjson.dumps([as_document(f) for f in forms]).decode()
    if uow.conn.execute(select(meta.c.key).where(meta.c.key == CONFIG_KEY)).first():
        uow.conn.execute(update(meta).where(meta.c.key == CONFIG_KEY).values(value=text))
    else:
        uow.conn.execute(insert(meta).values(key=CONFIG_KEY, value=text))


def get_form(uow: UnitOfWork, *, key: str) -> FormSpec:
    for form in load_forms(uow):
        if form.key == key:
            return form
    raise NotFound("form", "key")


def known_visitor(uow: UnitOfWork, *, contact_id: int, now: int) -> tuple[str | None, ContactState]:
    """A known visitor's email and profile state (for audience conditions)."""
    family = consent_store.family(uow, contact_id=contact_id)
    states = load_states(conn=uow.conn, contact_ids=[family.contact_id], now=from_millis(now))
    return family.email, states[family.contact_id]


def record_view(
    uow: UnitOfWork,
    *,
    form: FormSpec,
    audience: str,
    incentive: str | None,
    ip_key: str,
    now: int,
) -> int:
    """Record a display; ``submitted_at`` and ``contact_id`` are set when it converts."""
    values = {
        "form_key": form.key,
        "incentive_key": incentive,
        "audience": audience,
        "ip_hash": ip_key,
        "shown_at": now,
    }
    return int(uow.conn.execute(insert(form_views).values(**values).returning(_V.id)).scalar_one())


def show(
    uow: UnitOfWork, *, form: FormSpec, visitor: Visitor, ip_key: str, now: int
) -> tuple[Incentive | None, int]:
    """Choose the visitor's audience and incentive, and record the display."""
    audience, targeted = targeting.choose(form, visitor, ctx=EvalContext(now=from_millis(now)))
    shown = None if form.adaptive or targeted is None else targeted.key
    view_id = record_view(
        uow, form=form, audience=audience, incentive=shown, ip_key=ip_key, now=now
    )
    if not form.adaptive:
        return targeted, view_id
    incentive = incentives.choose(
        uow, form=form, audience=audience, contact_id=visitor.contact_id, view_id=view_id, now=now
    )
    if incentive is not None:
        uow.conn.execute(
            update(form_views).where(_V.id == view_id).values(incentive_key=incentive.key)
        )
    return incentive, view_id


def view_token(*, key: bytes, view_id: int, form_key: str, now: int) -> str:
    message = f"{view_id}.{now}.{form_key}"
    mac = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    return f"{view_id}.{now}.{mac}"


def check_view_token(*, key: bytes, token: object, form_key: str, now: int) -> int | None:
    """The view id of a genuine, recent token for this form, else None."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    view, issued, mac = token.split(".")
    if not (view.isdigit() and issued.isdigit()):
        return None
    expected = hmac.new(key, f"{view}.{issued}.{form_key}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac) or not 0 <= now - int(issued) <= VIEW_TTL_MS:
        return None
    return int(view)


def over_limit(uow: UnitOfWork, *, ip_key: str, now: int) -> bool:
    s = form_submissions.c
    recent = uow.conn.execute(
        select(func.count()).where(s.ip_hash == ip_key, millis(s.at) > now - RATE_WINDOW_MS)
    ).scalar_one()
    return int(recent) >= RATE_LIMIT


def log_attempt(
    uow: UnitOfWork, *, form_key: str, view_id: int | None, ip_key: str, outcome: str, now: int
) -> None:
    uow.conn.execute(
        insert(form_submissions).values(
            form_key=form_key, view_id=view_id, ip_hash=ip_key, outcome=outcome, at=now
        )
    )


def shown_incentive(uow: UnitOfWork, *, form: FormSpec, view_id: int) -> str | None:
    """The text of the incentive a display showed (to show it again with the errors)."""
    key = uow.conn.execute(select(_V.incentive_key).where(_V.id == view_id)).scalar()
    return next((i.text for i in form.incentives if i.key == key), None)


def claim_view(uow: UnitOfWork, *, view_id: int, form_key: str) -> bool:
    """Take the display for one submission: only once, only for its own form."""
    result = uow.conn.execute(
        update(form_views)
        .where(_V.id == view_id, _V.form_key == form_key, _V.submitted_at.is_(None))
        .values(submitted_at=_V.shown_at)
    )
    return bool(result.rowcount)


@dataclass(frozen=True, kw_only=True)
class Subscription:
    channels: tuple[str, ...]
    topics: tuple[str, ...]
    frequency: Frequency | None


def subscribe(
    uow: UnitOfWork,
    *,
    form: FormSpec,
    view_id: int,
    contact_id: int,
    subscription: Subscription,
    now: int,
    ip: str | None,
    user_agent: str | None,
    links: Links | None,
) -> bool:
    """Record the opt-in (the form's exact wording) and mark the display as converted;
    whether a double opt-in confirmation was requested."""
    entries = [
        LedgerEntry(
            contact_id=contact_id,
            channel=channel,
            topic=topic,
            action=Action.GRANTED,
            source=Source.FORM,
            at=now,
            basis=Basis.EXPRESS,
            wording=form.wording,
            ip=ip,
            user_agent=user_agent,
            frequency=subscription.frequency,
        )
        for channel in subscription.channels
        for topic in subscription.topics
    ]
    recorded = record_entries(uow, contact_id=contact_id, entries=entries, now=now, links=links)
    uow.conn.execute(
        update(form_views).where(_V.id == view_id).values(submitted_at=now, contact_id=contact_id)
    )
    pending = any(r.status is Status.PENDING for r in recorded)
    if form.adaptive:
        incentives.converted(
            uow, form=form, view_id=view_id, contact_id=contact_id, pending=pending, now=now
        )
    return pending


def report(
    uow: UnitOfWork, *, form_key: str | None, since: int | None, until: int | None
) -> list[dict[str, Any]]:
    """Displays, opt-ins and opt-in rate per form, incentive and audience."""
    shown = millis(_V.shown_at)
    where = and_(
        true(),
        *([_V.form_key == form_key] if form_key is not None else []),
        *([shown >= since] if since is not None else []),
        *([shown < until] if until is not None else []),
    )
    query = (
        select(
            _V.form_key,
            _V.incentive_key,
            _V.audience,
            func.count().label("views"),
            func.count(_V.submitted_at).label("optins"),
        )
        .where(where)
        .group_by(_V.form_key, _V.incentive_key, _V.audience)
        .order_by(_V.form_key, _V.incentive_key, _V.audience)
    )
    return [
        {
            "form": row.form_key,
            "incentive": row.incentive_key,
            "audience": row.audience,
            "views": int(row.views),
            "optins": int(row.optins),
            "optin_rate": round(int(row.optins) / int(row.views), 4) if row.views else 0.0,
        }
        for row in uow.conn.execute(query)
    ]
