"""Journey analytics: contacts per step, and conversion to the goal per path and per variant."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import distinct, func, select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import journey_due, journey_enrolments, journey_runs, journeys
from cadence.journeys.store import Stored

_E = journey_enrolments.c
_R = journey_runs.c
_D = journey_due.c


def conversion(entered: int, converted: int) -> dict[str, Any]:
    return {
        "entered": entered,
        "converted": converted,
        "rate": round(converted / entered, 4) if entered else None,
    }


def by_label(outcomes: list[tuple[list[str], str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per whole path and per single branch label: entered and converted (pure)."""
    paths: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    variants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, status in outcomes:
        won = int(status == "converted")
        key = " > ".join(path) or "(no branch)"
        paths[key][0] += 1
        paths[key][1] += won
        for label in set(path):
            variants[label][0] += 1
            variants[label][1] += won
    return (
        {k: conversion(*v) for k, v in sorted(paths.items())},
        {k: conversion(*v) for k, v in sorted(variants.items())},
    )


def stats(uow: UnitOfWork, *, stored: Stored) -> dict[str, Any]:
    """Counts over every version of the journey; steps are listed in the current version."""
    ids = select(journeys.c.id).where(journeys.c.key == stored.journey.key).scalar_subquery()
    mine = _E.journey_id.in_(ids)
    statuses = Counter(
        {
            str(s): int(n)
            for s, n in uow.conn.execute(
                select(_E.status, func.count()).where(mine).group_by(_E.status)
            )
        }
    )
    passed: dict[str, int] = {
        str(step): int(n)
        for step, n in uow.conn.execute(
            select(_R.step_id, func.count(distinct(_R.enrolment_id)))
            .join(journey_enrolments, _E.id == _R.enrolment_id)
            .where(mine)
            .group_by(_R.step_id)
        )
    }
    waiting = _at_step(uow, mine, start=stored.journey.start)
    outcomes = [
        (list(path), str(status))
        for path, status in uow.conn.execute(select(_E.path, _E.status).where(mine))
    ]
    paths, variants = by_label(outcomes)
    total = sum(statuses.values())
    return {
        "key": stored.journey.key,
        "version": stored.version,
        "enrolments": {"total": total, **{k: statuses.get(k, 0) for k in _STATUSES}},
        "conversion": conversion(total, statuses.get("converted", 0)),
        "steps": [
            {
                "id": step.id,
                "type": step.type,
                "active": int(waiting.get(step.id, 0)),
                "passed": int(passed.get(step.id, 0)),
            }
            for step in stored.journey.steps
        ],
        "paths": paths,
        "variants": variants,
    }


_STATUSES = ("active", "completed", "converted", "exited")


def _at_step(uow: UnitOfWork, mine: Any, *, start: str) -> Counter[str]:
    """Active enrolments by the last step they ran (the start step when none ran yet)."""
    last = (
        select(_R.enrolment_id, func.max(_R.seq).label("seq"))
        .join(journey_enrolments, _E.id == _R.enrolment_id)
        .where(mine, _E.status == "active")
        .group_by(_R.enrolment_id)
        .subquery()
    )
    query = (
        select(_R.step_id, func.count())
        .join(last, (last.c.enrolment_id == _R.enrolment_id) & (last.c.seq == _R.seq))
        .group_by(_R.step_id)
    )
    found = Counter({str(step): int(n) for step, n in uow.conn.execute(query)})
    fresh = uow.conn.execute(
        select(func.count())
        .select_from(journey_due)
        .join(journey_enrolments, _E.id == _D.enrolment_id)
        .where(mine, _D.seq == 0)
    ).scalar_one()
    found[start] += int(fresh)
    return found
