"""The lead stage of the pipeline: score (decayed, capped), grade (fit), move the lifecycle.

Runs inside the batch's transaction for the contacts it touched, and from the scheduler
when decay moves a contact across a band threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from cadence.conditions import EvalContext
from cadence.contacts.store import NEW_LEAD
from cadence.db.bulk import chunks, millis, update_many, upsert_many
from cadence.db.engine import UnitOfWork
from cadence.db.params import among
from cadence.db.tables import contacts, events, schedule
from cadence.db.types import from_millis
from cadence.scoring import lifecycle
from cadence.scoring.decay import ScoreState, add_points, band_of, next_band_change, value_at
from cadence.scoring.grading import grade_of
from cadence.scoring.regrade import fits_of, qualifying
from cadence.scoring.rules import (
    Event,
    apply_delta,
    capped_buckets,
    contributions,
    score_delta,
    uncapped_points,
)
from cadence.scoring.settings import LeadSettings

BAND = "band"
ORDER = "Order Completed"


@dataclass
class LeadTouch:
    """What the batch did to one contact, as far as lead management cares."""

    events: list[Event] = field(default_factory=list)
    message_ids: set[str] = field(default_factory=set)
    profile: bool = False  # traits or accounts changed: regrade
    rescore: bool = False  # merged: rescore from the whole history
    created: bool = False  # inserted by this batch (not merged): its lead fields are NEW_LEAD


@dataclass
class Lead:
    id: int
    state: ScoreState
    band: int
    fit: float
    grade: str
    stage: str
    changed: bool = False


def _load(uow: UnitOfWork, touches: Mapping[int, LeadTouch]) -> dict[int, Lead]:
    """The stored lead fields of the touched contacts; those this batch created are known
    without asking (they were inserted with ``NEW_LEAD`` a moment ago)."""
    score, band, fit, grade, stage = NEW_LEAD
    found = {
        cid: Lead(cid, ScoreState(score, None), band, fit, grade, stage)
        for cid, touch in touches.items()
        if touch.created
    }
    stored = [cid for cid in touches if cid not in found]
    if not stored:
        return found
    c = contacts.c
    query = select(
        c.id, c.score, millis(c.score_as_of), c.band, c.fit, c.grade, c.lifecycle_stage
    ).where(among(c.id, stored, dialect=uow.dialect), c.merged_into.is_(None))
    for row in uow.conn.execute(query):
        found[row[0]] = Lead(row[0], ScoreState(row[1], row[2]), row[3], row[4], row[5], row[6])
    return found


def _history(
    uow: UnitOfWork,
    ids: Collection[int],
    names: Collection[str],
    *,
    lo: int | None = None,
    hi: int | None = None,
    skip: Collection[str] = (),
) -> dict[int, list[Event]]:
    """Stored events of these contacts with these names (optionally within [lo, hi))."""
    e = events.c
    found: dict[int, list[Event]] = defaultdict(list)
    ts = millis(e.ts)
    for part in chunks(ids):
        query = select(e.contact_id, e.name, ts, e.properties, e.message_id).where(
            e.contact_id.in_(part), e.name.in_(sorted(names))
        )
        if lo is not None and hi is not None:
            query = query.where(ts >= lo, ts < hi)
        for contact_id, name, stamp, properties, message_id in uow.conn.execute(query):
            if message_id not in skip:
                found[contact_id].append(Event(name=name, ts=stamp, properties=properties or {}))
    return found


def _score(
    uow: UnitOfWork,
    leads: dict[int, Lead],
    touches: Mapping[int, LeadTouch],
    settings: LeadSettings,
    now: int,
) -> None:
    config = settings.scoring
    names = {r.event for r in config.rules}
    half = config.half_life_ms
    arrived = {
        cid: [e for e in t.events if e.name in names] for cid, t in touches.items() if cid in leads
    }
    fresh = {cid for cid, evs in arrived.items() if evs and not touches[cid].rescore}
    whole = {cid for cid in leads if touches[cid].rescore and names}
    buckets = {cid: capped_buckets(config=config, arrived=arrived[cid]) for cid in fresh}
    wanted = [b for bs in buckets.values() for b in bs]
    earlier: dict[int, list[Event]] = {}
    if wanted:
        skip = {m for cid in fresh for m in touches[cid].message_ids}
        lo, hi = min(b.start_ms for b in wanted), max(b.end_ms for b in wanted)
        earlier = _history(
            uow,
            [c for c in fresh if buckets[c]],
            {b.event for b in wanted},
            lo=lo,
            hi=hi,
            skip=skip,
        )
    for cid in fresh:
        state = leads[cid].state
        if buckets[cid]:  # a capped rule matched: counted and displaced contributions
            delta = score_delta(config=config, arrived=arrived[cid], earlier=earlier.get(cid, ()))
            state = apply_delta(state=state, delta=delta, half_life_ms=half)
        else:  # the common case: every match simply adds its points
            for points, ts in uncapped_points(config=config, arrived=arrived[cid]):
                state = add_points(state=state, points=points, ts=ts, half_life_ms=half)
        leads[cid].state, leads[cid].changed = state, True
    if whole:
        history = _history(uow, whole, names)
        for cid in whole:
            state = ScoreState()
            for item in contributions(config=config, events=history.get(cid, ())):
                state = add_points(state=state, points=item.points, ts=item.ts, half_life_ms=half)
            leads[cid].state, leads[cid].changed = state, True
    for lead in leads.values():
        band = band_of(score=current_score(lead.state, now, half), bands=config.bands)
        if band != lead.band:
            lead.band, lead.changed = band, True


def current_score(state: ScoreState, now: int, half_life_ms: float | None) -> float:
    """The score now (read at the stored instant when that lies ahead of now)."""
    if state.as_of is None:
        return 0.0
    return value_at(state=state, t=max(now, state.as_of), half_life_ms=half_life_ms)


def _orders(
    leads: dict[int, Lead], touches: Mapping[int, LeadTouch], now: int
) -> list[lifecycle.Transition]:
    """``Order Completed`` makes a customer."""
    transitions: list[lifecycle.Transition] = []
    for cid in sorted(leads):
        lead = leads[cid]
        if lead.stage != "customer" and any(e.name == ORDER for e in touches[cid].events):
            transitions.append(
                lifecycle.Transition(
                    cid, lead.stage, "customer", now, "Order Completed", "rule:order"
                )
            )
            lead.stage, lead.changed = "customer", True
    return transitions


def _regrade(
    uow: UnitOfWork,
    leads: dict[int, Lead],
    touches: Mapping[int, LeadTouch],
    settings: LeadSettings,
    ctx: EvalContext,
) -> set[int]:
    """Fit and grade of the contacts whose profile changed, from one SELECT of the compiled
    criteria (the rescore's expression); returns those regraded."""
    regrade = {cid for cid in leads if touches[cid].profile and settings.criteria}
    if not regrade:
        return set()
    for cid, fit in fits_of(uow, regrade, settings=settings, ctx=ctx).items():
        grade = grade_of(fit=fit, grades=settings.grading.grades)
        if (fit, grade) != (leads[cid].fit, leads[cid].grade):
            leads[cid].fit, leads[cid].grade, leads[cid].changed = fit, grade, True
    return regrade


def _qualify(
    uow: UnitOfWork,
    leads: dict[int, Lead],
    check: set[int],
    settings: LeadSettings,
    ctx: EvalContext,
    now: int,
) -> list[lifecycle.Transition]:
    """Contacts among ``check`` that now meet the MQL rule become MQL (the lead fields are
    written first: the rule is asked in SQL, as the rescore asks it)."""
    check = {cid for cid in check if leads[cid].stage in lifecycle.QUALIFIABLE}
    if not check:
        return []
    transitions = []
    for cid, stage in qualifying(uow, check, settings=settings, ctx=ctx):
        lead = leads[cid]
        reason = f"MQL rule: band {lead.band}, grade {lead.grade}"
        transitions.append(lifecycle.Transition(cid, stage, "mql", now, reason, "rule:mql"))
        lead.stage, lead.changed = "mql", True
    for part in chunks([t.contact_id for t in transitions]):
        uow.conn.execute(
            update(contacts).where(contacts.c.id.in_(part)).values(lifecycle_stage="mql")
        )
    return transitions


def _grade_write_and_qualify(
    uow: UnitOfWork,
    leads: dict[int, Lead],
    touches: Mapping[int, LeadTouch],
    settings: LeadSettings,
    now: int,
) -> None:
    """Grade, write the lead fields, qualify, and keep the lifecycle transitions."""
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    ordered = _orders(leads, touches, now)
    regraded = _regrade(uow, leads, touches, settings, ctx)
    check = {cid for cid in leads if leads[cid].changed or cid in regraded}
    check -= {t.contact_id for t in ordered}
    _write(uow, leads, settings, now)
    lifecycle.record(uow, ordered + _qualify(uow, leads, check, settings, ctx, now))


def _write(uow: UnitOfWork, leads: dict[int, Lead], settings: LeadSettings, now: int) -> None:
    changed = [lead for lead in leads.values() if lead.changed]
    update_many(
        uow.conn,
        "contacts",
        ("score", "score_as_of", "band", "fit", "grade", "lifecycle_stage"),
        "id",
        [
            (
                lead.state.score,
                lead.state.as_of,
                lead.band,
                lead.fit,
                lead.grade,
                lead.stage,
                lead.id,
            )
            for lead in changed
        ],
    )
    schedule_bands(uow, changed, settings, now)


def schedule_bands(
    uow: UnitOfWork, leads: Collection[Lead], settings: LeadSettings, now: int
) -> None:
    """Wake each contact exactly when decay alone will move it to another band."""
    sc = schedule.c
    due: list[tuple[str, int, int, int]] = []
    never: list[int] = []
    for lead in leads:
        at = None
        if lead.state.as_of is not None:
            at = next_band_change(
                state=lead.state,
                bands=settings.scoring.bands,
                half_life_ms=settings.scoring.half_life_ms,
                now=max(now, lead.state.as_of),
            )
        if at is None:
            never.append(lead.id)
        else:
            due.append((BAND, 0, lead.id, at))
    if never:
        chosen = among(sc.contact_id, never, dialect=uow.dialect)
        # band wake-ups all have ref_id 0: naming it makes this a primary-key lookup
        uow.conn.execute(delete(schedule).where(sc.kind == BAND, sc.ref_id == 0, chosen))
    # one statement whether or not the contact had a wake-up (replaced in place)
    upsert_many(uow.conn, "schedule", _SCHEDULE, ("kind", "ref_id", "contact_id"), due)


_SCHEDULE = ("kind", "ref_id", "contact_id", "due_at")


def update_leads(
    uow: UnitOfWork, touches: Mapping[int, LeadTouch], *, now: int, settings: LeadSettings
) -> set[int]:
    """Score, grade and qualify the touched contacts; returns those whose lead fields changed."""
    names = {r.event for r in settings.scoring.rules} | {ORDER}
    relevant = {
        cid: t
        for cid, t in touches.items()
        if t.rescore or t.profile or any(e.name in names for e in t.events)
    }
    if not relevant:
        return set()
    leads = _load(uow, relevant)
    _score(uow, leads, relevant, settings, now)
    _grade_write_and_qualify(uow, leads, relevant, settings, now)
    return {lead.id for lead in leads.values() if lead.changed}


def run_due_bands(
    uow: UnitOfWork, *, now: int, settings: LeadSettings, limit: int = 5000
) -> set[int]:
    """Move the contacts whose band decay changes now; returns those that changed."""
    sc = schedule.c
    query = (
        select(sc.contact_id)
        .where(sc.kind == BAND, sc.due_at <= now)
        .order_by(sc.due_at)
        .limit(limit)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(uow.conn.scalars(query))
    if not ids:
        return set()
    touches = {cid: LeadTouch() for cid in ids}
    leads = _load(uow, touches)
    for lead in leads.values():
        lead.changed = True  # re-read the band and re-arm the next wake-up
    _score(uow, leads, touches, settings, now)
    _grade_write_and_qualify(uow, leads, touches, settings, now)
    for part in chunks(ids):  # contacts that vanished (merged, erased) keep no wake-up
        uow.conn.execute(
            delete(schedule).where(
                sc.kind == BAND, sc.ref_id == 0, sc.contact_id.in_(part), sc.due_at <= now
            )
        )
    return set(leads)
