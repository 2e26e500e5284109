"""Load what training and scoring read: every live contact's events, conversion and fit."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from cadence.conditions import Condition, EvalContext, compile_condition, dependencies
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, lifecycle_history
from cadence.db.types import from_millis
from cadence.insights.features import ContactHistory, FeatureSpace
from cadence.scoring.rules import Event
from cadence.scoring.service import ORDER
from cadence.scoring.settings import LeadSettings

# Reaching one of these stages, or a first order, is what "converted" means.
CONVERTED_STAGES = ("sql", "opportunity", "customer")


def _profile_only(node: Condition) -> bool:
    """Whether a criterion reads only profile and account traits.

    Traits are read as they are now; other inputs (profile level, events, stages) change
    over time and, read now, would leak the future into past snapshots.
    """
    d = dependencies(node)
    return not (d.events or d.fields or d.columns or d.consent_channels or d.segments)


def feature_space(settings: LeadSettings) -> FeatureSpace:
    return FeatureSpace(
        rules=settings.scoring.rules,
        criteria=tuple(key for key, node, _ in settings.criteria if _profile_only(node)),
        half_life_ms=settings.scoring.half_life_ms,
    )


def _conversions(uow: UnitOfWork) -> dict[int, int]:
    """The first moment each contact ordered or reached SQL or a later stage."""
    e, h = events.c, lifecycle_history.c
    first: dict[int, int] = {}
    orders = sa.select(e.contact_id, sa.func.min(millis(e.ts))).where(e.name == ORDER)
    stages = sa.select(h.contact_id, sa.func.min(millis(h.at))).where(
        h.to_stage.in_(CONVERTED_STAGES)
    )
    for query in (orders.group_by(e.contact_id), stages.group_by(h.contact_id)):
        for contact_id, at in uow.conn.execute(query):
            first[contact_id] = min(int(at), first.get(contact_id, int(at)))
    return first


def _fits(uow: UnitOfWork, settings: LeadSettings, now: int) -> dict[str, set[int]]:
    """Per grading criterion, the contacts it holds for now (set-based, in SQL)."""
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    found: dict[str, set[int]] = {}
    wanted = set(feature_space(settings).criteria)
    for key, node, _ in settings.criteria:
        if key not in wanted:
            continue
        where = compile_condition(node, dialect=uow.dialect, ctx=ctx)
        found[key] = set(uow.conn.scalars(sa.select(contacts.c.id).where(where)))
    return found


def load_histories(
    uow: UnitOfWork, *, settings: LeadSettings, now: int
) -> tuple[FeatureSpace, dict[int, ContactHistory]]:
    """Every live contact's history as of ``now`` (events after ``now`` are left out)."""
    space = feature_space(settings)
    e = events.c
    wanted = sorted({rule.event for rule in space.rules})
    ts = millis(e.ts)
    query = (
        sa.select(
            e.contact_id,
            e.name,
            ts,
            sa.case((e.name.in_(wanted), e.properties), else_=sa.null()),
        )
        .join(contacts, contacts.c.id == e.contact_id)
        .where(contacts.c.merged_into.is_(None), ts <= now)
        .order_by(e.contact_id, ts, e.id)
    )
    found: dict[int, list[Event]] = defaultdict(list)
    for contact_id, name, at, properties in uow.conn.execute(query):
        found[contact_id].append(Event(name=name or "", ts=int(at), properties=properties or {}))
    live = sa.select(contacts.c.id).where(contacts.c.merged_into.is_(None))
    converted = _conversions(uow)
    fits = _fits(uow, settings, now)
    return space, {
        cid: ContactHistory(
            events=tuple(found.get(cid, ())),
            converted_at=converted.get(cid),
            fits=tuple(cid in fits[key] for key in space.criteria),
        )
        for cid in uow.conn.scalars(live)
    }
