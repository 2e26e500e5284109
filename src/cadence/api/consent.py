"""REST: a contact's consent (record, current state, ledger, proof, verification, links)
and the send gate's dry check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from cadence.api.consent_deps import LinkSigner
from cadence.api.deps import Admin, Work
from cadence.consent import proof, service, store
from cadence.consent.gate import Blocked
from cadence.consent.ledger import LedgerEntry, LedgerError
from cadence.consent.models import ALL_TOPICS, Action, Basis, Frequency, Source
from cadence.consent.sending import check_send, decision_json
from cadence.consent.views import entry_json, iso, preferences_json, row_json, rows_json
from cadence.db.types import to_millis
from cadence.errors import FieldError, InputError
from cadence.runtime import now_millis
from cadence.web.render import page

router = APIRouter(tags=["consent"])

ApiSource = Literal[
    "api", "form", "import", "preference_center", "one_click_unsubscribe", "bounce", "complaint"
]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(min_length=1, max_length=32)
    topic: str = Field(min_length=1, max_length=64, description='a topic, or "*" for all topics')
    status: Literal["granted", "withdrawn"]
    basis: Basis | None = Field(default=None, description="required when granted")
    source: ApiSource = "api"
    wording: str | None = Field(
        default=None, max_length=10_000, description="the exact wording shown (required to grant)"
    )
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=1000)
    frequency: Frequency | None = None
    paused_until: datetime | None = None
    expires_at: datetime | None = None


class GateCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: int
    channel: str = Field(min_length=1, max_length=32)
    topic: str = Field(min_length=1, max_length=64)
    at: datetime | None = Field(default=None, description="when the message would go (now)")


def _ms(value: datetime | None) -> int | None:
    return None if value is None else to_millis(value)


def _entry(contact_id: int, body: ConsentIn, now: int) -> LedgerEntry:
    errors: list[FieldError] = []
    if body.status == "granted" and not (body.wording and body.wording.strip()):
        errors.append(FieldError("wording", "required to grant: the exact wording shown"))
    if body.status == "granted" and body.basis is None:
        errors.append(
            FieldError("basis", "required to grant: express, implied or legitimate_interest")
        )
    if errors:
        raise InputError(errors)
    try:
        return LedgerEntry(
            contact_id=contact_id,
            channel=body.channel,
            topic=body.topic,
            action=Action(body.status),
            source=Source(body.source),
            at=now,
            basis=body.basis,
            wording=body.wording,
            ip=body.ip,
            user_agent=body.user_agent,
            frequency=body.frequency,
            paused_until=_ms(body.paused_until),
            expires_at=_ms(body.expires_at),
        )
    except LedgerError as error:
        raise InputError([service.field_error(error)]) from error


@router.post(
    "/api/contacts/{contact_id}/consents",
    status_code=201,
    summary="Record a grant or withdrawal (double opt-in channels answer 'pending')",
)
def record(
    contact_id: int, body: ConsentIn, uow: Work, _: Admin, links: LinkSigner
) -> dict[str, Any]:
    now = now_millis()
    recorded = service.record_consent(
        uow, entry=_entry(contact_id, body, now), now=now, links=links
    )
    return {
        "entry": entry_json(recorded.entry_id, recorded.entry),
        "consent": row_json(recorded.consent, now=now) if recorded.consent else None,
        "status": recorded.status.value if recorded.status else None,
        "confirmation_requested": recorded.confirm_url is not None,
    }


@router.get("/api/contacts/{contact_id}/consents", summary="Consent in force now")
def current(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    now = now_millis()
    family, state = service.current_state(uow, contact_id=contact_id)
    config = store.load_config(uow)
    return {
        "contact_id": family.contact_id,
        "consents": rows_json(state, now=now),
        "preferences": preferences_json(state, config=config, now=now),
    }


@router.get("/api/contacts/{contact_id}/consents/history", summary="The ledger, oldest first")
def history(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    family = store.family(uow, contact_id=contact_id)
    rows = store.load_entries(uow, contact_ids=family.ids)
    return {
        "contact_id": family.contact_id,
        "entries": [entry_json(entry_id, entry) for entry_id, entry in rows],
    }


@router.get(
    "/api/contacts/{contact_id}/consents/proof",
    summary="Proof of consent (JSON, or a readable page with ?format=html)",
    response_model=None,
)
def proof_of_consent(
    contact_id: int,
    uow: Work,
    _: Admin,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> dict[str, Any] | HTMLResponse:
    document = proof.proof_document(uow, contact_id=contact_id, now=now_millis())
    if format == "html":
        return page("proof.html", proof=document)
    return document


@router.get(
    "/api/contacts/{contact_id}/consents/verify",
    summary="Recompute the hash chains: detects edited, inserted or removed entries",
)
def verify(contact_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    return proof.verify_contact(uow, contact_id=contact_id)


@router.get(
    "/api/contacts/{contact_id}/links",
    summary="Signed preference-center and one-click unsubscribe URLs for this contact",
)
def personal_links(contact_id: int, uow: Work, _: Admin, links: LinkSigner) -> dict[str, Any]:
    now = now_millis()
    family = store.family(uow, contact_id=contact_id)
    config = store.load_config(uow)
    live = family.contact_id
    unsubscribe = {
        channel: {
            topic: links.unsubscribe(contact_id=live, channel=channel, topic=topic, now=now)
            for topic in (*config.topics, ALL_TOPICS)
        }
        for channel in config.channels
    }
    headers = {
        topic: {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        for topic, url in unsubscribe.get(service.EMAIL_CHANNEL, {}).items()
    }
    return {
        "contact_id": live,
        "preference_center": links.preferences(contact_id=live, now=now),
        "unsubscribe": unsubscribe,
        "email_headers": headers,
    }


@router.post("/api/gate/check", summary="Would the send gate let this message through? (logged)")
def gate_check(body: GateCheckIn, uow: Work, _: Admin) -> dict[str, Any]:
    at = _ms(body.at) if body.at is not None else now_millis()
    assert at is not None
    decision = check_send(
        uow,
        contact_id=body.contact_id,
        channel=body.channel,
        topic=body.topic,
        at=at,
        source="api:dry_check",
    )
    answer = decision_json(decision)
    if isinstance(decision, Blocked):
        answer["retry_at"] = iso(decision.retry_at)
    return answer
