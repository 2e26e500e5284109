"""Lead read models: explanations, the score x grade matrix, lifecycle reports, sales actions."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from cadence.conditions import EvalContext, evaluate, load_states
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, events, lifecycle_history
from cadence.db.types import from_millis
from cadence.errors import NotFound
from cadence.scoring import lifecycle
from cadence.scoring.explain import explain_grade, explain_score
from cadence.scoring.rules import Event
from cadence.scoring.service import current_score
from cadence.scoring.settings import LeadSettings

_C = contacts.c
DAY_MS = 86_400_000


def lead_fields(row: Any, settings: LeadSettings, now: int) -> dict[str, Any]:
    """The contact JSON's lead part: score (decayed to now), grade, stage, owner."""
    from cadence.scoring.decay import ScoreState

    as_of = row.score_as_of
    stamp = None if as_of is None else int(as_of.timestamp() * 1000)
    value = current_score(ScoreState(row.score, stamp), now, settings.scoring.half_life_ms)
    return {
        "score": {
            "value": round(value, 4),
            "band": row.band,
            "as_of": from_millis(now).isoformat().replace("+00:00", "Z"),
        },
        "grade": {"letter": row.grade, "fit": row.fit},
        "lifecycle_stage": row.lifecycle_stage,
        "owner": row.owner,
    }


def explain(uow: UnitOfWork, contact_id: int, settings: LeadSettings, now: int) -> dict[str, Any]:
    """Why this lead has its score (rule by rule, with decay) and its grade (by criterion)."""
    names = sorted({r.event for r in settings.scoring.rules})
    e = events.c
    rows = uow.conn.execute(
        select(e.name, millis(e.ts), e.properties).where(
            e.contact_id == contact_id, e.name.in_(names)
        )
    )
    history = [Event(name=n, ts=t, properties=p or {}) for n, t, p in rows]
    score = explain_score(config=settings.scoring, events=history, now=now)
    ctx = EvalContext(now=from_millis(now), half_life_days=settings.half_life_days)
    state = load_states(conn=uow.conn, contact_ids=[contact_id], now=ctx.now).get(contact_id)
    if state is None:
        raise NotFound("contact")
    nodes = {key: node for key, node, _ in settings.criteria}
    keys = {id(c.when): c.key for c in settings.grading.criteria}
    grade = explain_grade(
        config=settings.grading,
        holds=lambda when: evaluate(nodes[keys[id(when)]], state=state, ctx=ctx),
    )
    return {
        "score": _plain(score),
        "grade": _plain(grade),
        "half_life_days": settings.half_life_days,
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def matrix(uow: UnitOfWork) -> dict[str, Any]:
    """Counts per score x grade cell (A1 ... E5) of live contacts."""
    rows = uow.conn.execute(
        select(_C.grade, _C.band, sa.func.count())
        .where(_C.merged_into.is_(None))
        .group_by(_C.grade, _C.band)
    )
    cells = {f"{g}{b}": 0 for g in "ABCDE" for b in range(1, 6)}
    for grade, band, count in rows:
        cells[f"{grade}{band}"] = count
    return {"cells": cells, "grades": list("ABCDE"), "bands": [1, 2, 3, 4, 5]}


def act(
    uow: UnitOfWork, contact_id: int, *, action: str, reason: str, actor: str, now: int
) -> dict[str, Any]:
    """A sales (or CRM) decision: accept, reject (recycle to nurture), opportunity, customer."""
    row = uow.conn.execute(select(_C.lifecycle_stage).where(_C.id == contact_id)).first()
    if row is None:
        raise NotFound("contact")
    move = lifecycle.by_action(
        contact_id=contact_id, stage=row[0], action=action, reason=reason, actor=actor, at=now
    )
    uow.conn.execute(
        update(contacts).where(_C.id == contact_id).values(lifecycle_stage=move.to_stage)
    )
    lifecycle.record(uow, [move])
    return {"from": move.from_stage, "to": move.to_stage}


def history(uow: UnitOfWork, contact_id: int) -> list[dict[str, Any]]:
    h = lifecycle_history.c
    rows = list(
        uow.conn.execute(
            select(lifecycle_history).where(h.contact_id == contact_id).order_by(h.at, h.id)
        )
    )
    return lifecycle.history_json(rows)


def report(uow: UnitOfWork, *, settings: LeadSettings, now: int, days: int) -> dict[str, Any]:
    """Stages now, transitions per day, conversions, median days between stages, SLA breaches."""
    counts = (
        select(_C.lifecycle_stage, sa.func.count())
        .where(_C.merged_into.is_(None))
        .group_by(_C.lifecycle_stage)
    )
    stages: dict[str, int] = {stage: n for stage, n in uow.conn.execute(counts)}
    h = lifecycle_history.c
    rows = list(
        uow.conn.execute(select(h.contact_id, h.to_stage, millis(h.at)).order_by(h.at, h.id))
    )
    start = now - days * DAY_MS
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reached: dict[str, dict[int, int]] = defaultdict(dict)
    for contact_id, stage, at in rows:
        reached[stage].setdefault(contact_id, at)
        if at >= start:
            per_day[from_millis(at).date().isoformat()][stage] += 1

    def conversion(a: str, b: str) -> dict[str, Any]:
        base = reached[a]
        both = [
            reached[b][c] - t for c, t in base.items() if c in reached[b] and reached[b][c] >= t
        ]
        return {
            "from": a,
            "to": b,
            "rate": round(len(both) / len(base), 4) if base else None,
            "median_days": round(statistics.median(both) / DAY_MS, 2) if both else None,
        }

    sla_ms = settings.sales_sla_days * DAY_MS
    overdue = [c for c, at in reached["mql"].items() if now - at > sla_ms]
    waiting = select(_C.id).where(_C.lifecycle_stage == "mql", _C.id.in_(overdue))
    live_mql = set(uow.conn.scalars(waiting)) if overdue else set()
    return {
        "stages": {
            s: stages.get(s, 0)
            for s in ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture")
        },
        "per_day": {d: dict(v) for d, v in sorted(per_day.items())},
        "conversion": [
            conversion("mql", "sql"),
            conversion("sql", "customer"),
            conversion("mql", "customer"),
        ],
        "sla": {"days": settings.sales_sla_days, "overdue_mqls": sorted(live_mql)},
        "window_days": days,
        "since": (from_millis(now) - timedelta(days=days)).date().isoformat(),
    }
