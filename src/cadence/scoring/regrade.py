"""Fit and MQL qualification in SQL: the compiled grading criteria and MQL rule.

One expression serves both the rescore of everybody (``rescore.py``, one UPDATE over the
table) and the batch path (``service.py``: one SELECT for the contacts a batch touched,
instead of loading each contact's state and evaluating every criterion in Python). The
condition compiler gives the Python evaluator's results, so both paths agree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case, literal, select

from cadence.conditions import EvalContext, compile_condition
from cadence.db.engine import UnitOfWork
from cadence.db.params import among
from cadence.db.tables import contacts
from cadence.scoring import lifecycle
from cadence.scoring.settings import LeadSettings

_C = contacts.c


def fit_expression(
    settings: LeadSettings, *, dialect: str, ctx: EvalContext, as_value: bool
) -> sa.ColumnElement[Any]:
    """The fit of a ``contacts`` row: the sum of the points of the criteria that hold.

    ``as_value`` for a pass over the whole table (account criteria become one hashed
    ``IN``); without it they stay correlated ``EXISTS``, cheap for a few ids."""
    terms = [
        case(
            (compile_condition(node, dialect=dialect, ctx=ctx, as_value=as_value), literal(points)),
            else_=literal(0.0),
        )
        for _, node, points in settings.criteria
    ]
    return sum(terms[1:], terms[0]) if terms else literal(0.0)


def fits_of(
    uow: UnitOfWork, ids: Collection[int], *, settings: LeadSettings, ctx: EvalContext
) -> dict[int, float]:
    """The fit of each live contact among ``ids``, read as stored now."""
    fit = fit_expression(settings, dialect=uow.dialect, ctx=ctx, as_value=False)
    chosen = among(_C.id, ids, dialect=uow.dialect)
    query = select(_C.id, fit).where(chosen, _C.merged_into.is_(None))
    return {cid: float(value) for cid, value in uow.conn.execute(query)}


def qualifying(
    uow: UnitOfWork, ids: Collection[int], *, settings: LeadSettings, ctx: EvalContext
) -> list[tuple[int, str]]:
    """(id, stage) of the live contacts among ``ids`` in a qualifiable stage that meet the
    MQL rule, as stored now (write the lead fields first)."""
    rule = compile_condition(settings.mql, dialect=uow.dialect, ctx=ctx)
    query = select(_C.id, _C.lifecycle_stage).where(
        among(_C.id, ids, dialect=uow.dialect),
        _C.merged_into.is_(None),
        _C.lifecycle_stage.in_(sorted(lifecycle.QUALIFIABLE)),
        rule,
    )
    return [(cid, stage) for cid, stage in uow.conn.execute(query)]
