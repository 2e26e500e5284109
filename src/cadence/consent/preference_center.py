"""Preference-center use cases: what the page shows, saving choices, "less often",
unsubscribing from everything, RFC 8058 one-click unsubscribe, and what people chose."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import and_, distinct, func, insert, select, true

from cadence.consent import preferences, service, store
from cadence.consent.config import PermissionConfig
from cadence.consent.links import Links
from cadence.consent.models import Frequency, Source, Status
from cadence.consent.preferences import Choice, Choices, Kind, Plan
from cadence.consent.state import ContactConsent
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, preference_choices

PROFILE_FIELDS: Final = ("first_name", "last_name", "company", "job_title", "country")


@dataclass(frozen=True, kw_only=True)
class PageModel:
    """Everything the preference center shows for one contact."""

    contact_id: int
    masked_email: str | None
    profile: dict[str, str]
    config: PermissionConfig
    checked: frozenset[tuple[str, str]]
    pending: frozenset[tuple[str, str]]
    frequency: dict[str, Frequency | None]
    paused_until: int | None


@dataclass(frozen=True, kw_only=True)
class Outcome:
    recorded: int = 0
    confirmation_requested: bool = False
    choices: list[Choice] = field(default_factory=list)


def mask_email(email: str | None) -> str | None:
    """``a•••@example.org``: enough to recognise, not enough to harvest from a forwarded link."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2022\u2022\u2022@{domain}"


def page_model(uow: UnitOfWork, *, contact_id: int, now: int) -> PageModel:
    family, state = service.current_state(uow, contact_id=contact_id)
    config = store.load_config(uow)
    traits = uow.conn.execute(
        select(contacts.c.traits).where(contacts.c.id == family.contact_id)
    ).scalar_one()
    profile = {
        name: str(traits.get(name) or "")
        for name in PROFILE_FIELDS
        if isinstance(traits.get(name), str | int | float | type(None))
    }
    checked, pending = set(), set()
    frequency: dict[str, Frequency | None] = {}
    paused: list[int] = []
    for channel in config.channels:
        for topic in config.topics:
            row = state.row_for(channel=channel, topic=topic)
            status = row.status_at(at=now) if row is not None else None
            if row is None or status not in (Status.GRANTED, Status.PENDING):
                continue
            checked.add((channel, topic))
            if status is Status.PENDING:
                pending.add((channel, topic))
            if frequency.get(topic) is None:
                frequency[topic] = row.frequency
            if row.paused_until is not None and row.paused_at(at=now):
                paused.append(row.paused_until)
    return PageModel(
        contact_id=family.contact_id,
        masked_email=mask_email(family.email),
        profile=profile,
        config=config,
        checked=frozenset(checked),
        pending=frozenset(pending),
        frequency=frequency,
        paused_until=max(paused, default=None),
    )


Planner = Callable[[int, ContactConsent, PermissionConfig], Plan]


def _apply(
    uow: UnitOfWork,
    *,
    contact_id: int,
    planner: Planner,
    now: int,
    ip: str | None,
    user_agent: str | None,
    links: Links | None,
    source: Source,
) -> Outcome:
    family, state = service.current_state(uow, contact_id=contact_id)
    plan = planner(family.contact_id, state, store.load_config(uow))
    entries = [dataclasses.replace(e, ip=ip, user_agent=user_agent) for e in plan.entries]
    recorded = service.record_entries(
        uow, contact_id=family.contact_id, entries=entries, now=now, links=links
    )
    if plan.choices:
        uow.conn.execute(
            insert(preference_choices),
            [
                {
                    "contact_id": family.contact_id,
                    "kind": choice.kind.value,
                    "channel": choice.channel,
                    "topic": choice.topic,
                    "source": source.value,
                    "at": now,
                }
                for choice in plan.choices
            ],
        )
    requested = any(r.confirm_url is not None or r.status is Status.PENDING for r in recorded)
    return Outcome(recorded=len(recorded), confirmation_requested=requested, choices=plan.choices)


def save_choices(
    uow: UnitOfWork,
    *,
    contact_id: int,
    choices: Choices,
    now: int,
    ip: str | None = None,
    user_agent: str | None = None,
    links: Links | None = None,
) -> Outcome:
    """Record a preference-center submission (only what changed)."""
    return _apply(
        uow,
        contact_id=contact_id,
        planner=lambda cid, state, config: preferences.plan_choices(
            contact_id=cid, state=state, config=config, choices=choices, now=now
        ),
        now=now,
        ip=ip,
        user_agent=user_agent,
        links=links,
        source=Source.PREFERENCE_CENTER,
    )


def less_often(
    uow: UnitOfWork,
    *,
    contact_id: int,
    now: int,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Outcome:
    return _apply(
        uow,
        contact_id=contact_id,
        planner=lambda cid, state, config: preferences.plan_less_often(
            contact_id=cid, state=state, config=config, now=now
        ),
        now=now,
        ip=ip,
        user_agent=user_agent,
        links=None,
        source=Source.PREFERENCE_CENTER,
    )


def unsubscribe_everything(
    uow: UnitOfWork,
    *,
    contact_id: int,
    now: int,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Outcome:
    return _apply(
        uow,
        contact_id=contact_id,
        planner=lambda cid, state, config: preferences.plan_unsubscribe_all(
            contact_id=cid, state=state, config=config, now=now, source=Source.PREFERENCE_CENTER
        ),
        now=now,
        ip=ip,
        user_agent=user_agent,
        links=None,
        source=Source.PREFERENCE_CENTER,
    )


def one_click(
    uow: UnitOfWork,
    *,
    contact_id: int,
    channel: str,
    topic: str,
    now: int,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Outcome:
    """RFC 8058: withdraw the token's topic on its channel at once."""
    return _apply(
        uow,
        contact_id=contact_id,
        planner=lambda cid, state, config: preferences.plan_one_click(
            contact_id=cid, state=state, config=config, channel=channel, topic=topic, now=now
        ),
        now=now,
        ip=ip,
        user_agent=user_agent,
        links=None,
        source=Source.ONE_CLICK_UNSUBSCRIBE,
    )


def report(uow: UnitOfWork, *, since: int | None, until: int | None) -> dict[str, Any]:
    """How many people made each choice (distinct contacts), and how many stayed: reduced
    their frequency or paused without leaving everything."""
    p = preference_choices.c
    at = millis(p.at)
    bounds = [at >= since] if since is not None else []
    window = and_(true(), *bounds, *([at < until] if until is not None else []))
    counts = {kind.value: 0 for kind in Kind}
    for kind, number in uow.conn.execute(
        select(p.kind, func.count(distinct(p.contact_id))).where(window).group_by(p.kind)
    ):
        counts[str(kind)] = int(number)
    by_source: dict[str, dict[str, int]] = {}
    for source, kind, number in uow.conn.execute(
        select(p.source, p.kind, func.count(distinct(p.contact_id)))
        .where(window)
        .group_by(p.source, p.kind)
    ):
        by_source.setdefault(str(source), {})[str(kind)] = int(number)
    left = select(p.contact_id).where(window, p.kind == Kind.FULL_UNSUBSCRIBE.value)
    stayed = uow.conn.execute(
        select(func.count(distinct(p.contact_id))).where(
            window,
            p.kind.in_((Kind.REDUCED_FREQUENCY.value, Kind.PAUSED.value)),
            p.contact_id.not_in(left),
        )
    ).scalar_one()
    return {"counts": counts, "stayed_instead_of_leaving": int(stayed), "by_source": by_source}
