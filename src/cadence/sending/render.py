"""Personalise one message for many contacts: the contacts, their condition state and (only
when a template reads them) their recent events are loaded once per batch, not per person.
The result is what ``messages.service.render_prepared`` gives for each contact.

When the templates read only what the contacts table holds (``contact.traits``,
``contact.email``, ``first_name()`` ...: ``messages.reads``), the contact JSON is built
from that one table; otherwise in full (consent, lead fields, accounts, segments)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import select

from cadence.conditions import Condition, EvalContext, evaluate, load_states
from cadence.contacts.service import contact_events, contacts_json, row_fields
from cadence.db.bulk import chunks
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts
from cadence.db.types import from_millis
from cadence.messages.context import RECENT_EVENTS, template_context
from cadence.messages.models import MessageLinks, Rendered
from cadence.messages.reads import message_reads
from cadence.messages.render import Prepared, RenderFailed, render
from cadence.scoring import settings as lead_settings
from cadence.sending.sql import among

# the contact JSON's keys that come from the contacts row alone
ROW_FIELDS: Final = frozenset(
    {"id", "user_id", "email", "traits", "created_at", "updated_at"}
    | {"first_seen_at", "last_seen_at", "purchases"}
)


def render_many(
    uow: UnitOfWork,
    *,
    prepared: Prepared,
    links: Mapping[int, MessageLinks],
    now: int,
) -> dict[int, Rendered | RenderFailed]:
    """For each contact in ``links``: its rendered message, or why rendering failed.
    Contacts that do not exist are left out."""
    ids = sorted(links)
    reads = message_reads(prepared.message)
    if reads.contact is not None and reads.contact <= ROW_FIELDS:
        people = _row_contacts(uow, ids)
    else:
        people = {int(c["id"]): c for c in contacts_json(uow, ids)}
    holds = _holds(uow, prepared=prepared, ids=list(people), now=now)
    wants_events = reads.recent_events
    results: dict[int, Rendered | RenderFailed] = {}
    for cid, contact in people.items():
        events = (
            contact_events(uow, cid, limit=RECENT_EVENTS, before=None)[0] if wants_events else []
        )
        context = template_context(contact=contact, recent_events=events, links=links[cid])
        try:
            results[cid] = render(prepared, context=context, contact_id=cid, holds=holds(cid))
        except RenderFailed as failure:
            results[cid] = failure
    return results


def _row_contacts(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The contact JSON's ``ROW_FIELDS``, as ``contacts_json`` gives them, for live contacts."""
    c = contacts.c
    columns = (
        *(c.id, c.user_id, c.email, c.traits, c.created_at, c.updated_at),
        *(c.first_seen_at, c.last_seen_at, c.order_count, c.revenue_total),
        *(c.first_order_at, c.last_order_at),
    )
    found: dict[int, dict[str, Any]] = {}
    for part in chunks(ids):
        for row in uow.conn.execute(select(*columns).where(among(uow, c.id, part))):
            found[int(row.id)] = row_fields(row)
    return found


def _holds(
    uow: UnitOfWork, *, prepared: Prepared, ids: Sequence[int], now: int
) -> Callable[[int], Callable[[Condition], bool]]:
    if prepared.needs is None or not ids:
        return lambda _: lambda _: False
    moment = from_millis(now)
    states = load_states(conn=uow.conn, contact_ids=list(ids), now=moment, needs=prepared.needs)
    ctx = EvalContext(now=moment, half_life_days=lead_settings.load(uow).half_life_days)

    def for_contact(cid: int) -> Callable[[Condition], bool]:
        state = states.get(cid)
        if state is None:
            return lambda _: False
        return lambda node: evaluate(node, state=state, ctx=ctx)

    return for_contact
