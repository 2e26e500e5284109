"""Contacts: search, a heat-map cell's members, one contact's whole story, sales actions."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.consent import service as consent
from cadence.consent import store as consent_store
from cadence.consent.views import entry_json, rows_json
from cadence.console import reports, views
from cadence.console.auth import Signed, acting, reading
from cadence.console.models import Permission
from cadence.console.render import not_found, page, problem
from cadence.contacts.service import contact_events, get_contact, resolve_id
from cadence.db.engine import UnitOfWork
from cadence.errors import InputError, NotFound
from cadence.insights import predict
from cadence.runtime import now_millis
from cadence.scoring import queries
from cadence.scoring import settings as lead_settings
from cadence.segments import service as segments
from cadence.web.common import in_transaction

router = APIRouter(prefix="/console/contacts", include_in_schema=False)
LIST_SIZE: Final = 50
CELLS: Final = frozenset(f"{g}{b}" for g in "ABCDE" for b in range(1, 6))


def listing(uow: UnitOfWork, *, q: str, cell: str) -> dict[str, Any]:
    if cell in CELLS:
        items, total = reports.cell_members(uow, grade=cell[0], band=int(cell[1]), limit=200)
        shown = f", the first {len(items)}" if total > len(items) else ""
        heading = f"Cell {cell}: {total} contact(s){shown}"
    elif q.strip():
        items = reports.search(uow, text=q, limit=LIST_SIZE)
        heading = f"Matching “{q.strip()}”"
    else:
        items = reports.recent_contacts(uow, limit=LIST_SIZE)
        heading = "Recently active"
    return {"items": views.people(items), "heading": heading}


@router.get("")
async def contacts_page(
    request: Request,
    who: Signed,
    q: Annotated[str, Query(max_length=200)] = "",
    cell: Annotated[str, Query(max_length=2)] = "",
) -> HTMLResponse:
    model = await reading(request, lambda uow: listing(uow, q=q, cell=cell))
    return page("contacts.html", viewer=who, title="Contacts", section="contacts", q=q, **model)


def story(uow: UnitOfWork, *, contact_id: int, now: int) -> dict[str, Any]:
    """Everything the contact page shows, each part from the service that owns it."""
    live = resolve_id(uow, contact_id)
    contact = views.person(get_contact(uow, live))
    events, _ = contact_events(uow, live, limit=100, before=None)
    family = consent_store.family(uow, contact_id=live)
    _, state = consent.current_state(uow, contact_id=live)
    prediction = predict.prediction(uow, contact_id=live)
    return {
        "contact": contact,
        "events": [{**e, "when": views.when(e["timestamp"])} for e in events],
        "explained": queries.explain(uow, live, lead_settings.load(uow), now),
        "lifecycle": queries.history(uow, live),
        "segment_history": [
            {**stay, "why": _why(stay)} for stay in segments.contact_history(uow, live)
        ],
        "journeys": [
            {**j, "entered": views.when(j["entered_at"]), "finished": views.when(j["finished_at"])}
            for j in reports.enrolments_for(uow, contact_id=live)
        ],
        "consents": rows_json(state, now=now),
        "ledger": [
            entry_json(i, e) for i, e in consent_store.load_entries(uow, contact_ids=family.ids)
        ],
        "messages": [
            {**m, "when": views.when(m["at"])}
            for m in reports.messages_received(uow, contact_id=live, limit=50)
        ],
        "decisions": [
            {**d, "when": views.when(d["at"])}
            for d in reports.decisions_for(uow, contact_id=live, limit=50)
        ],
        "prediction": None if prediction is None else prediction.as_dict(),
        "when": views.when,
    }


def _why(stay: dict[str, Any]) -> str:
    reason = stay.get("exited_because") or stay.get("entered_because") or {}
    if not isinstance(reason, dict):
        return str(reason)
    leaves = "; ".join(f"{x.get('text')} ({x.get('observed')})" for x in reason.get("leaves", []))
    return f"{reason.get('cause', '')}: {leaves}" if leaves else str(reason.get("cause", ""))


@router.get("/{contact_id}")
async def contact_page(request: Request, who: Signed, contact_id: int) -> Response:
    now = now_millis()
    try:
        model = await reading(request, lambda uow: story(uow, contact_id=contact_id, now=now))
    except NotFound:
        return not_found(
            viewer=who,
            what="Contact",
            text=f"There is no contact #{contact_id}.",
            back="/console/contacts",
        )
    if model["contact"]["id"] != contact_id:
        return RedirectResponse(f"/console/contacts/{model['contact']['id']}", status_code=303)
    return page(
        "contact.html",
        viewer=who,
        title=model["contact"]["label"],
        section="contacts",
        **model,
    )


@router.post("/{contact_id}/lifecycle")
async def lifecycle_action(request: Request, who: Signed, contact_id: int) -> Response:
    form = await request.form()
    acting(who, form, Permission.LEAD_ACTIONS)
    action = str(form.get("action") or "")
    reason = str(form.get("reason") or "")[:2000]
    if action not in ("accept", "reject"):
        return _problem(who, contact_id, "action: choose accept or reject")
    try:
        await in_transaction(
            request,
            lambda uow: queries.act(
                uow,
                resolve_id(uow, contact_id),
                action=action,
                reason=reason,
                actor=f"console:{who.user.email}",
                now=now_millis(),
            ),
        )
    except InputError as error:
        return _problem(who, contact_id, error.message)
    return RedirectResponse(f"/console/contacts/{contact_id}?done={action}", status_code=303)


def _problem(who: Any, contact_id: int, text: str) -> HTMLResponse:
    return problem(
        viewer=who,
        title="Not changed",
        text=text,
        back=f"/console/contacts/{contact_id}",
        status_code=422,
    )
