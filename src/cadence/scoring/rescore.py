"""Set-based rescoring and regrading of everybody, after the rules changed.

Scores: the matching events are read in bulk and summed with numpy (``rebuild_scores``),
giving the same numbers incremental scoring gives. They are staged in a temporary table
(``staging.py``) and written together with fit and grade by ONE UPDATE, so each contact
row gets at most one new version per rescore, and only when one of its lead fields
changes: on PostgreSQL every UPDATE copies the (wide) row, which was the cost of a
rescore there. MQL qualification is a second, narrow UPDATE of the few that qualify.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import case, delete, func, insert, literal, or_, select, update

from cadence.conditions import EvalContext, compile_condition
from cadence.db.bulk import chunks
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, schedule
from cadence.db.types import from_millis
from cadence.scoring import lifecycle
from cadence.scoring.decay import band_of
from cadence.scoring.reading import Pairs, read_pairs
from cadence.scoring.rebuild import NEVER, bands_of, next_band_changes, rebuild_scores
from cadence.scoring.regrade import fit_expression
from cadence.scoring.settings import LeadSettings
from cadence.scoring.staging import Staged, staged_scores

_C = contacts.c
WORK_MEM = "256MB"


class _Steps:
    """Wall-clock seconds of each step, for the report (benchmarks print them)."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        begun = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - begun, 3)


def _rebuilt(settings: LeadSettings, pairs: Pairs, now: int) -> Staged:
    """Score, band and next band change of every contact with a matching event."""
    config = settings.scoring
    unique, index = np.unique(pairs.contact, return_inverse=True)
    rebuilt = rebuild_scores(
        config=config, n_contacts=len(unique), contact=index, ts=pairs.ts, rule=pairs.rule, now=now
    )
    wake = next_band_changes(
        rebuilt=rebuilt, bands=config.bands, half_life_ms=config.half_life_ms, now=now
    )
    bands = bands_of(scores=rebuilt.score, bands=config.bands)
    return Staged(unique, rebuilt.score, rebuilt.as_of, bands.astype(np.int64), wake)


def _lead_update(
    uow: UnitOfWork, settings: LeadSettings, ctx: EvalContext, staged: sa.TableClause | None
) -> sa.Update:
    """Score, as_of, band, fit and grade of every live contact as one UPDATE: the wanted
    values are computed once per contact in a derived table (contacts not scored get zero),
    and only rows where one of them differs are written."""
    zero_band = band_of(score=0.0, bands=settings.scoring.bands)
    fit = fit_expression(settings, dialect=uow.dialect, ctx=ctx, as_value=True)
    if staged is None:
        wanted = select(
            _C.id.label("id"),
            literal(0.0).label("score"),
            sa.cast(sa.null(), sa.BigInteger).label("as_of"),
            literal(zero_band).label("band"),
            fit.label("fit"),
        ).where(_C.merged_into.is_(None))
    else:
        wanted = (
            select(
                _C.id.label("id"),
                func.coalesce(staged.c.score, 0.0).label("score"),
                staged.c.as_of.label("as_of"),
                func.coalesce(staged.c.band, zero_band).label("band"),
                fit.label("fit"),
            )
            .select_from(contacts.outerjoin(staged, staged.c.id == _C.id))
            .where(_C.merged_into.is_(None))
        )
    # OFFSET 0 keeps PostgreSQL from pulling the derived table up into the join, which
    # would evaluate the fit (and build its hashed subplans) once per reference again
    w = wanted.offset(0).subquery("wanted")
    letters = "ABCDE"
    grade = case(
        *[
            (w.c.fit >= threshold, literal(letters[i]))
            for i, threshold in enumerate(settings.grading.grades)
        ],
        else_=literal(letters[len(settings.grading.grades)]),
    )
    differs = or_(
        _C.score.is_distinct_from(w.c.score),
        _C.score_as_of.is_distinct_from(w.c.as_of),
        _C.band.is_distinct_from(w.c.band),
        _C.fit.is_distinct_from(w.c.fit),
        _C.grade.is_distinct_from(grade),
    )
    return (
        update(contacts)
        .where(_C.id == w.c.id, differs)
        .values(score=w.c.score, score_as_of=w.c.as_of, band=w.c.band, fit=w.c.fit, grade=grade)
    )


def _schedule(uow: UnitOfWork, staged: sa.TableClause | None) -> None:
    """Wake each scored contact when decay alone moves its band (rows staged with it)."""
    uow.conn.execute(delete(schedule).where(schedule.c.kind == "band"))
    if staged is None:
        return
    due = select(literal("band"), literal(0), staged.c.id, staged.c.wake).where(
        staged.c.wake < NEVER
    )
    uow.conn.execute(insert(schedule).from_select(["kind", "ref_id", "contact_id", "due_at"], due))


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


def rescore_all(
    uow: UnitOfWork,
    *,
    settings: LeadSettings,
    now: int,
    seconds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Rescore, regrade and qualify every live contact under ``settings``; ``seconds``, when
    given, receives the wall-clock time of each step (for benchmarks)."""
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    step = _Steps({} if seconds is None else seconds)
    with step("read"):
        rules = settings.scoring.rules
        pairs = read_pairs(uow, rules) if rules else None
    scored = pairs is not None and len(pairs.contact) > 0
    with step("rebuild"):
        rebuilt = _rebuilt(settings, pairs, now) if pairs is not None and scored else None
    if uow.dialect == "postgresql":
        # the write joins a million contacts to their wanted values: hashed in memory, not
        # in 32 batches spilled to disk (the default 4MB); for this transaction only
        uow.conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
    with ExitStack() as stack:
        with step("stage"):
            staged = None if rebuilt is None else stack.enter_context(staged_scores(uow, rebuilt))
        with step("write"):
            uow.conn.execute(_lead_update(uow, settings, ctx, staged))
        with step("schedule"):
            _schedule(uow, staged)
    with step("qualify"):
        mql = _qualify(uow, settings, ctx, now)
    return {
        "scored": 0 if rebuilt is None else len(rebuilt.id),
        "events": 0 if pairs is None else pairs.events_read,
        "mql": mql,
    }
