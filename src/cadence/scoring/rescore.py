"""Set-based rescoring and regrading of everybody, after the rules changed.

Scores: the matching events are read in bulk and summed with numpy (``rebuild_scores``),
giving the same numbers incremental scoring gives. Fit and grade together are one UPDATE
built from the compiled conditions, MQL qualification another. Each contact row is written
at most once per step and only when its values change: on PostgreSQL every UPDATE copies
the row, so full-table passes are the cost of a rescore there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import case, delete, exists, insert, literal, or_, select, update

from cadence.conditions import EvalContext, compile_condition
from cadence.db.bulk import chunks, update_many
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, schedule
from cadence.db.types import from_millis
from cadence.scoring import lifecycle
from cadence.scoring.decay import band_of
from cadence.scoring.reading import copied_scores, read_pairs
from cadence.scoring.rebuild import NEVER, bands_of, next_band_changes, rebuild_scores
from cadence.scoring.settings import LeadSettings

_C = contacts.c


def _reset_to_zero(uow: UnitOfWork, zero_band: int, *, keep: sa.TableClause | None) -> None:
    """Zero the score of every live contact not in ``keep`` (a table of ids); rows already
    at zero are not rewritten (PostgreSQL copies every updated row)."""
    stale = or_(_C.score != 0.0, _C.score_as_of.is_not(None), _C.band.is_distinct_from(zero_band))
    query = update(contacts).where(_C.merged_into.is_(None), stale)
    if keep is not None:
        query = query.where(~exists().where(keep.c.id == _C.id))
    uow.conn.execute(query.values(score=0.0, score_as_of=None, band=zero_band))


def _scores(uow: UnitOfWork, settings: LeadSettings, now: int) -> dict[str, Any]:
    config = settings.scoring
    zero_band = band_of(score=0.0, bands=config.bands)
    uow.conn.execute(delete(schedule).where(schedule.c.kind == "band"))
    pairs = read_pairs(uow, config.rules) if config.rules else None
    if pairs is None or not len(pairs.contact):
        _reset_to_zero(uow, zero_band, keep=None)
        return {"scored": 0, "events": 0 if pairs is None else pairs.events_read}
    unique, index = np.unique(pairs.contact, return_inverse=True)
    rebuilt = rebuild_scores(
        config=config,
        n_contacts=len(unique),
        contact=index,
        ts=pairs.ts,
        rule=pairs.rule,
        now=now,
    )
    bands = bands_of(scores=rebuilt.score, bands=config.bands)
    rows = [
        (float(s), int(a), int(b), int(c))
        for s, a, b, c in zip(rebuilt.score, rebuilt.as_of, bands, unique, strict=True)
    ]
    if uow.dialect == "postgresql":  # each row written at most once, and only if it changes
        with copied_scores(uow, rows) as rescored:
            _reset_to_zero(uow, zero_band, keep=rescored)
    else:
        _reset_to_zero(uow, zero_band, keep=None)
        for part in chunks(rows, 20_000):
            update_many(uow.conn, "contacts", ("score", "score_as_of", "band"), "id", part)
    wake = next_band_changes(
        rebuilt=rebuilt, bands=config.bands, half_life_ms=config.half_life_ms, now=now
    )
    due = [(int(c), int(w)) for c, w in zip(unique, wake, strict=True) if w != NEVER]
    for wakes in chunks(due, 20_000):
        uow.conn.execute(
            insert(schedule),
            [{"kind": "band", "ref_id": 0, "contact_id": c, "due_at": w} for c, w in wakes],
        )
    return {"scored": len(unique), "events": pairs.events_read}


def _grades(uow: UnitOfWork, settings: LeadSettings, ctx: EvalContext) -> None:
    """Fit and grade in one UPDATE: the fit of each live contact is computed once, in a
    derived table, and the grade from it; only rows whose fit or grade changes are written."""
    terms = [
        case(
            (
                compile_condition(node, dialect=uow.dialect, ctx=ctx, as_value=True),
                literal(points),
            ),
            else_=literal(0.0),
        )
        for _, node, points in settings.criteria
    ]
    fit = sum(terms[1:], terms[0]) if terms else literal(0.0)
    computed = select(_C.id.label("id"), fit.label("fit")).where(_C.merged_into.is_(None))
    wanted = computed.subquery("wanted")
    letters = "ABCDE"
    grade = case(
        *[
            (wanted.c.fit >= threshold, literal(letters[i]))
            for i, threshold in enumerate(settings.grading.grades)
        ],
        else_=literal(letters[len(settings.grading.grades)]),
    )
    uow.conn.execute(
        update(contacts)
        .where(
            _C.id == wanted.c.id,
            or_(_C.fit.is_distinct_from(wanted.c.fit), _C.grade.is_distinct_from(grade)),
        )
        .values(fit=wanted.c.fit, grade=grade)
    )


def _qualify(uow: UnitOfWork, settings: LeadSettings, ctx: EvalContext, now: int) -> int:
    rule = compile_condition(settings.mql, dialect=uow.dialect, ctx=ctx)
    who = select(_C.id, _C.lifecycle_stage).where(
        _C.merged_into.is_(None), _C.lifecycle_stage.in_(sorted(lifecycle.QUALIFIABLE)), rule
    )
    found = list(uow.conn.execute(who))
    transitions = [
        lifecycle.Transition(cid, stage, "mql", now, "MQL rule (rules changed)", "rule:mql")
        for cid, stage in found
    ]
    for part in chunks([t.contact_id for t in transitions]):
        uow.conn.execute(update(contacts).where(_C.id.in_(part)).values(lifecycle_stage="mql"))
    lifecycle.record(uow, transitions)
    return len(transitions)


def rescore_all(uow: UnitOfWork, *, settings: LeadSettings, now: int) -> dict[str, Any]:
    """Rescore, regrade and qualify every live contact under ``settings``."""
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    report = _scores(uow, settings, now)
    _grades(uow, settings, ctx)
    report["mql"] = _qualify(uow, settings, ctx, now)
    return report
