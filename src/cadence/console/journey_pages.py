"""Journeys: the graph with counts per step, conversion per variant, and what each adaptive
step's bandit is doing (shares per option, off-policy estimated lift with intervals)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from cadence.console import graph
from cadence.console.auth import Signed, reading
from cadence.console.charts import bar_chart
from cadence.console.render import not_found, page
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import decision_log
from cadence.db.types import from_millis
from cadence.decisions import reports as decisions
from cadence.decisions import store as decision_store
from cadence.errors import InputError, NotFound
from cadence.journeys import graph as journey_graph
from cadence.journeys import service as journeys
from cadence.journeys import store as journey_store
from cadence.journeys.steps import point_key

router = APIRouter(prefix="/console/journeys", include_in_schema=False)


def overview(uow: UnitOfWork) -> dict[str, Any]:
    items = []
    for stored in journey_store.current(uow):
        stats = journeys.stats(uow, stored.journey.key)
        items.append({"key": stored.journey.key, "name": stored.journey.name, **stats})
    points = [decisions.summary(uow, p) for p in decision_store.load_points(uow)]
    return {"journeys": items, "points": points}


def lift(uow: UnitOfWork, point: Any) -> list[dict[str, Any]]:
    """Per option: the estimated reward of always choosing it against what was logged."""
    out = []
    for option in point.spec.options:
        try:
            found = decisions.evaluate(
                uow, point, policy="fixed", option=option, version=None, confidence=0.95
            )
        except InputError:
            return []  # nothing rewarded yet
        estimate = found["estimates"].get("dr") or next(iter(found["estimates"].values()))
        logged = found["logged"]["value"]
        out.append(
            {
                "option": option,
                "value": estimate["value"],
                "low": estimate["low"],
                "high": estimate["high"],
                "lift": None if not logged else estimate["value"] / logged - 1,
                "n": found["n"],
            }
        )
    return out


_WEEK_MS = 7 * 24 * 3600 * 1000


def shares_over_time(uow: UnitOfWork, *, point: str, weeks: int = 26) -> dict[str, Any]:
    """What the bandit chose, week by week: each option's share (%) of the week's decisions."""
    log = decision_log.c
    at = millis(log.at)
    week = (at - at % _WEEK_MS).label("week")
    rows = uow.conn.execute(
        select(week, log.chosen, func.count())
        .where(log.point == point)
        .group_by(week, log.chosen)
        .order_by(week)
    ).all()
    starts = sorted({int(row[0]) for row in rows})[-weeks:]
    counts = {(int(w), str(option)): int(n) for w, option, n in rows}
    totals = {w: sum(n for (cw, _), n in counts.items() if cw == w) for w in starts}
    options = sorted({option for _, option in counts})
    series = {
        option: [round(100 * counts.get((w, option), 0) / totals[w], 1) for w in starts]
        for option in options
    }
    labels = [from_millis(w).date().isoformat() for w in starts]
    return bar_chart(labels, series, stacked=True)


def _edge_label(step: Any, name: str) -> str:
    """'next' stays unlabelled; a branch shows its key; 'timeout_next' reads 'timeout'."""
    if "[" in name:
        return str(step.branches[int(name.split("[")[1].split("]")[0])].key)
    return name.removesuffix("_next")


def detail(uow: UnitOfWork, *, key: str) -> dict[str, Any]:
    stored = journey_store.get(uow, key)
    stats = journeys.stats(uow, key)
    steps = {s["id"]: s for s in stats["steps"]}
    drawn = graph.layout(
        order=[(s.id, s.type) for s in stored.journey.steps],
        targets={
            s.id: [(_edge_label(s, name), t) for name, t in journey_graph.edges(s)]
            for s in stored.journey.steps
        },
        labels={i: f"{s['active']} waiting · {s['passed']} passed" for i, s in steps.items()},
    )
    bandits = []
    points = {p.spec.key: p for p in decision_store.load_points(uow)}
    for step in stored.journey.steps:
        point = points.get(point_key(key, step.id))
        if step.type == "adaptive" and point is not None:
            bandits.append(
                {
                    "step": step.id,
                    "summary": decisions.summary(uow, point),
                    "lift": lift(uow, point),
                    "shares": shares_over_time(uow, point=point.spec.key),
                }
            )
    return {"journey": stored.journey, "stats": stats, "graph": drawn, "bandits": bandits}


@router.get("")
async def journeys_page(request: Request, who: Signed) -> HTMLResponse:
    model = await reading(request, overview)
    return page("journeys.html", viewer=who, title="Journeys", section="journeys", **model)


@router.get("/{key}")
async def journey_page(request: Request, who: Signed, key: str) -> Response:
    try:
        model = await reading(request, lambda uow: detail(uow, key=key))
    except NotFound:
        return not_found(
            viewer=who,
            what="Journey",
            text=f"There is no journey {key!r}.",
            back="/console/journeys",
        )
    title = model["journey"].name or key
    return page("journey.html", viewer=who, title=title, section="journeys", **model)
