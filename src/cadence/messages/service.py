"""Use cases: list, save and render messages for a contact (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cadence.conditions import Condition, EvalContext, evaluate, load_states
from cadence.contacts.service import contact_events, contacts_json, resolve_id
from cadence.db.engine import UnitOfWork
from cadence.db.types import from_millis
from cadence.errors import NotFound
from cadence.messages import store
from cadence.messages.context import RECENT_EVENTS, template_context
from cadence.messages.models import Message, MessageLinks, Rendered
from cadence.messages.render import Prepared, prepare, render
from cadence.scoring import settings as lead_settings


def list_messages(uow: UnitOfWork) -> list[dict[str, Any]]:
    items = sorted(store.load(uow), key=lambda item: item.message.key)
    return [item.as_document() for item in items]


def get_message(uow: UnitOfWork, *, key: str) -> dict[str, Any]:
    return store.get(uow, key).as_document()


def save_message(uow: UnitOfWork, *, message: Message, managed_by: str) -> dict[str, Any]:
    """Store a validated message (``config.validate``); says whether it was created."""
    created = store.put(uow, message, managed_by=managed_by)
    return {**store.get(uow, message.key).as_document(), "created": created}


def preview_links(*, base_url: str) -> MessageLinks:
    """Links that look like the real ones but act on nobody: previews must never unsubscribe."""
    base = base_url.rstrip("/")
    return MessageLinks(preferences=f"{base}/p/preview", unsubscribe=f"{base}/u/preview")


def render_for(
    *, uow: UnitOfWork, message_key: str, contact_id: int, now: int, links: MessageLinks
) -> Rendered:
    """The message personalised for one contact; raises NotFound or RenderFailed."""
    prepared = prepare(store.get(uow, message_key).message)
    return render_prepared(
        uow=uow, prepared=prepared, contact_id=resolve_id(uow, contact_id), now=now, links=links
    )


def render_prepared(
    *, uow: UnitOfWork, prepared: Prepared, contact_id: int, now: int, links: MessageLinks
) -> Rendered:
    """Render an already prepared message (prepare once, render for many contacts)."""
    found = contacts_json(uow, [contact_id])
    if not found:
        raise NotFound("contact")
    events, _ = contact_events(uow, contact_id, limit=RECENT_EVENTS, before=None)
    context = template_context(contact=found[0], recent_events=events, links=links)
    holds = _holds(uow, prepared=prepared, contact_id=contact_id, now=now)
    return render(prepared, context=context, contact_id=contact_id, holds=holds)


def _holds(
    uow: UnitOfWork, *, prepared: Prepared, contact_id: int, now: int
) -> Callable[[Condition], bool]:
    """How to decide a block condition for this contact at `now` (loaded only when needed)."""
    if prepared.needs is None:
        return lambda _: False
    moment = from_millis(now)
    states = load_states(conn=uow.conn, contact_ids=[contact_id], now=moment, needs=prepared.needs)
    state = states.get(contact_id)
    if state is None:
        raise NotFound("contact")
    ctx = EvalContext(now=moment, half_life_days=lead_settings.load(uow).half_life_days)
    return lambda node: evaluate(node, state=state, ctx=ctx)
