"""The lead stage of the pipeline: score (decayed, capped), grade (fit), move the lifecycle.

Runs inside the batch's transaction for the contacts it touched, and from the scheduler
when decay moves a contact across a band threshold.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from cadence.conditions import ContactState, EvalContext, dependencies, evaluate, load_states
from cadence.conditions.dependencies import union
from cadence.db.bulk import chunks, millis, update_many
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, schedule
from cadence.db.types import from_millis
from cadence.scoring import lifecycle
from cadence.scoring.decay import ScoreState, add_points, band_of, next_band_change, value_at
from cadence.scoring.grading import grade_of
from cadence.scoring.rules import Event, apply_delta, capped_buckets, contributions, score_delta
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


@dataclass
class Lead:
    id: int
    state: ScoreState
    band: int
    fit: float
    grade: str
    stage: str
    changed: bool = False


def _load(uow: UnitOfWork, ids: Collection[int]) -> dict[int, Lead]:
    c = contacts.c
    found: dict[int, Lead] = {}
    for part in chunks(ids):
        query = select(
            c.id, c.score, millis(c.score_as_of), c.band, c.fit, c.grade, c.lifecycle_stage
        )
        for row in uow.conn.execute(query.where(c.id.in_(part), c.merged_into.is_(None))):
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
        delta = score_delta(config=config, arrived=arrived[cid], earlier=earlier.get(cid, ()))
        leads[cid].state = apply_delta(state=leads[cid].state, delta=delta, half_life_ms=half)
        leads[cid].changed = True
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


def _patched(state: ContactState, lead: Lead) -> ContactState:
    columns = {
        **state.columns,
        "score": lead.state.score,
        "score_as_of": lead.state.as_of,
        "band": lead.band,
        "fit": lead.fit,
        "grade": lead.grade,
        "lifecycle_stage": lead.stage,
    }
    return dataclasses.replace(state, columns=columns)


def _grade_and_qualify(
    uow: UnitOfWork,
    leads: dict[int, Lead],
    touches: Mapping[int, LeadTouch],
    settings: LeadSettings,
    now: int,
) -> list[lifecycle.Transition]:
    regrade = {cid for cid in leads if touches[cid].profile and settings.criteria}
    ordered = {cid for cid in leads if any(e.name == ORDER for e in touches[cid].events)}
    check = {cid for cid in leads if leads[cid].changed or cid in regrade} - ordered
    check = {cid for cid in check if leads[cid].stage in lifecycle.QUALIFIABLE}
    transitions: list[lifecycle.Transition] = []
    for cid in sorted(ordered):
        lead = leads[cid]
        if lead.stage != "customer":
            transitions.append(
                lifecycle.Transition(
                    cid, lead.stage, "customer", now, "Order Completed", "rule:order"
                )
            )
            lead.stage, lead.changed = "customer", True
    if not regrade and not check:
        return transitions
    needs = union([dependencies(settings.mql), *(dependencies(c) for _, c, _ in settings.criteria)])
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    states = load_states(conn=uow.conn, contact_ids=regrade | check, now=ctx.now, needs=needs)
    for cid in sorted(regrade):
        state = states.get(cid)
        if state is None:
            continue
        fit = float(
            sum(
                points
                for _, node, points in settings.criteria
                if evaluate(node, state=state, ctx=ctx)
            )
        )
        grade = grade_of(fit=fit, grades=settings.grading.grades)
        if (fit, grade) != (leads[cid].fit, leads[cid].grade):
            leads[cid].fit, leads[cid].grade, leads[cid].changed = fit, grade, True
            if leads[cid].stage in lifecycle.QUALIFIABLE:
                check.add(cid)
    for cid in sorted(check):
        state = states.get(cid)
        lead = leads[cid]
        if state is not None and evaluate(settings.mql, state=_patched(state, lead), ctx=ctx):
            transitions.append(
                lifecycle.Transition(
                    cid,
                    lead.stage,
                    "mql",
                    now,
                    f"MQL rule: band {lead.band}, grade {lead.grade}",
                    "rule:mql",
                )
            )
            lead.stage, lead.changed = "mql", True
    return transitions


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
    ids = [lead.id for lead in leads]
    for part in chunks(ids):
        uow.conn.execute(delete(schedule).where(sc.kind == BAND, sc.contact_id.in_(part)))
    rows = []
    for lead in leads:
        if lead.state.as_of is None:
            continue
        at = next_band_change(
            state=lead.state,
            bands=settings.scoring.bands,
            half_life_ms=settings.scoring.half_life_ms,
            now=max(now, lead.state.as_of),
        )
        if at is not None:
            rows.append({"kind": BAND, "ref_id": 0, "contact_id": lead.id, "due_at": at})
    if rows:
        uow.conn.execute(insert(schedule), rows)


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
    transitions = _grade_and_qualify(uow, leads, relevant, settings, now)
    _write(uow, leads, settings, now)
    lifecycle.record(uow, transitions)
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
    leads = _load(uow, ids)
    for lead in leads.values():
        lead.changed = True  # re-read the band and re-arm the next wake-up
    _score(uow, leads, touches, settings, now)
    transitions = _grade_and_qualify(uow, leads, touches, settings, now)
    _write(uow, leads, settings, now)
    for part in chunks(ids):  # contacts that vanished (merged, erased) keep no wake-up
        uow.conn.execute(
            delete(schedule).where(sc.kind == BAND, sc.contact_id.in_(part), sc.due_at <= now)
        )
    lifecycle.record(uow, transitions)
    return set(leads)
