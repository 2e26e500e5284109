"""Personalise one message for many contacts: the contacts, their condition state and (only
when a template reads them) their recent events are loaded once per batch, not per person.
The result is what ``messages.service.render_prepared`` gives for each contact."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from cadence.conditions import Condition, EvalContext, evaluate, load_states
from cadence.contacts.service import contact_events, contacts_json
from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis
from cadence.messages.context import RECENT_EVENTS, template_context
from cadence.messages.models import PARTS, MessageLinks, Rendered
from cadence.messages.render import Prepared, RenderFailed, render
from cadence.scoring import settings as lead_settings


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
    people = {int(c["id"]): c for c in contacts_json(uow, ids)}
    holds = _holds(uow, prepared=prepared, ids=list(people), now=now)
    wants_events = _reads_events(prepared)
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


def _reads_events(prepared: Prepared) -> bool:
    """Whether any template names ``recent_events`` (the sandbox allows no other way in)."""
    message = prepared.message
    sources = [getattr(message, part) or "" for part in PARTS]
    sources += [str(message.json or "")]
    sources += [f"{o.html or ''}{o.text or ''}" for _, options in message.blocks for o in options]
    return any("recent_events" in source for source in sources)


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
