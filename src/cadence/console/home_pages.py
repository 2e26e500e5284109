"""Home: growth, consent, preference choices, the lifecycle funnel, the lead matrix,
deliverability and the suggested actions."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.consent import preference_center
from cadence.console import charts, reports
from cadence.console.auth import Signed, acting, reading
from cadence.console.models import Permission
from cadence.console.render import page, problem
from cadence.db.engine import UnitOfWork
from cadence.errors import InputError, NotFound
from cadence.forms import service as forms
from cadence.insights import service as insights
from cadence.runtime import now_millis
from cadence.scoring import queries
from cadence.scoring import settings as lead_settings
from cadence.web.common import in_transaction

router = APIRouter(prefix="/console", include_in_schema=False)
WEEKS: Final = 26
FUNNEL: Final = ("lead", "mql", "sql", "opportunity", "customer")


def _funnel(lifecycle: dict[str, Any]) -> dict[str, Any]:
    """Transitions into each stage per month, from the lifecycle report's per-day counts."""
    months: dict[str, dict[str, int]] = {}
    for day, moves in lifecycle["per_day"].items():
        bucket = months.setdefault(day[:7], {})
        for stage, n in moves.items():
            bucket[stage] = bucket.get(stage, 0) + n
    labels = sorted(months)
    series = {s: [months[m].get(s, 0) for m in labels] for s in FUNNEL[1:]}
    return charts.bar_chart(labels, series)


def _optins(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Opt-in rate per incentive, one bar per audience."""
    incentives = sorted({str(r["incentive"] or "none") for r in rows})
    audiences = sorted({str(r["audience"]) for r in rows})
    rate: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        key = (str(r["incentive"] or "none"), str(r["audience"]))
        views, optins = rate.get(key, [0, 0])
        rate[key] = [views + r["views"], optins + r["optins"]]

    def pct(incentive: str, audience: str) -> float:
        views, optins = rate.get((incentive, audience), [0, 0])
        return round(100 * optins / views, 1) if views else 0.0

    return charts.bar_chart(incentives, {a: [pct(i, a) for i in incentives] for a in audiences})


def dashboard(uow: UnitOfWork, *, now: int) -> dict[str, Any]:
    settings = lead_settings.load(uow)
    growth = reports.contact_growth(uow, weeks=WEEKS, now=now)
    consent = reports.consent_growth(uow, weeks=WEEKS, now=now)
    lifecycle = queries.report(uow, settings=settings, now=now, days=182)
    matrix = queries.matrix(uow)
    choices = preference_center.report(uow, since=None, until=None)
    optin_rows = forms.report(uow, form_key=None, since=None, until=None)
    return {
        "growth": growth,
        "growth_chart": charts.line_chart(
            growth["labels"], {"contacts": growth["total"], "new this week": growth["new"]}
        ),
        "consent": consent,
        "consent_chart": charts.bar_chart(
            consent["labels"], {"opted in": consent["opted_in"], "withdrawn": consent["withdrawn"]}
        ),
        "optin_rows": optin_rows,
        "optin_chart": _optins(optin_rows),
        "choices": choices,
        "lifecycle": lifecycle,
        "funnel_chart": _funnel(lifecycle),
        "funnel": [(s, lifecycle["stages"].get(s, 0)) for s in FUNNEL],
        "heat": charts.heat_rows(matrix["cells"], grades=matrix["grades"], bands=matrix["bands"]),
        "bands": matrix["bands"],
        "deliverability": reports.deliverability(uow, days=30, now=now),
        "suggestions": [s.as_dict() for s in insights.suggestions(uow, now=now)],
    }


@router.get("")
async def home(request: Request, who: Signed, applied: str = "") -> HTMLResponse:
    now = now_millis()
    model = await reading(request, lambda uow: dashboard(uow, now=now))
    return page(
        "home.html", viewer=who, title="Dashboard", section="home", applied=applied[:300], **model
    )


@router.post("/suggestions/apply")
async def apply(request: Request, who: Signed) -> Response:
    """One click on a suggestion: recomputed and applied in one transaction."""
    form = await request.form()
    acting(who, form, Permission.APPLY_SUGGESTIONS)
    suggestion_id = str(form.get("suggestion") or "")
    owners = [o.strip() for o in str(form.get("owners") or "").split(",") if o.strip()]
    params = {"owners": owners} if owners else None
    try:
        done = await in_transaction(
            request,
            lambda uow: insights.apply_suggestion(
                uow,
                suggestion_id=suggestion_id,
                actor=f"console:{who.user.email}",
                now=now_millis(),
                params=params,
            ),
        )
    except (InputError, NotFound) as error:
        text = error.message if isinstance(error, InputError) else "it no longer applies"
        return problem(
            viewer=who,
            title="Not applied",
            text=f"Nothing was changed: {text}.",
            back="/console",
            status_code=422 if isinstance(error, InputError) else 404,
        )
    return RedirectResponse(f"/console?applied={quote(done.detail)}", status_code=303)
