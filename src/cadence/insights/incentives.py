"""Subscribe-form incentives: one that earns far more opt-ins in an audience than the one
shown to that audience today (the incentive of its latest view)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import form_views
from cadence.insights.models import Suggestion

MIN_VIEWS = 30
LIFT = 1.5
Z = 2.0  # one-sided two-proportion z-test at about 97.7 %


@dataclass(frozen=True)
class Arm:
    views: int
    opt_ins: int

    @property
    def rate(self) -> float:
        return self.opt_ins / self.views if self.views else 0.0


def z_score(better: Arm, today: Arm) -> float:
    pooled = (better.opt_ins + today.opt_ins) / (better.views + today.views)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / better.views + 1 / today.views))
    return (better.rate - today.rate) / spread if spread > 0 else 0.0


def beats(better: Arm, today: Arm) -> bool:
    """Enough views of both, a large lift and a difference unlikely to be chance."""
    if min(better.views, today.views) < MIN_VIEWS:
        return False
    if better.rate < LIFT * today.rate or better.rate <= today.rate:
        return False
    return z_score(better, today) >= Z


def suggest(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    v = form_views.c
    arms: dict[tuple[str, str], dict[str, Arm]] = defaultdict(dict)
    query = sa.select(
        v.form_key,
        v.audience,
        v.incentive_key,
        sa.func.count(),
        sa.func.count(v.submitted_at),
        sa.func.max(millis(v.shown_at)),
    ).where(v.incentive_key.is_not(None), millis(v.shown_at) <= now)
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for form, audience, incentive, views, opt_ins, last in uow.conn.execute(
        query.group_by(v.form_key, v.audience, v.incentive_key)
    ):
        arms[(form, audience)][incentive] = Arm(views, opt_ins)
        if (form, audience) not in latest or last > latest[(form, audience)][0]:
            latest[(form, audience)] = (int(last), incentive)
    found = []
    for (form, audience), by_incentive in sorted(arms.items()):
        current = latest[(form, audience)][1]
        today = by_incentive[current]
        rivals = [(k, a) for k, a in by_incentive.items() if k != current and beats(a, today)]
        if not rivals:
            continue
        key, best = max(rivals, key=lambda r: (r[1].rate, r[0]))
        found.append(
            Suggestion(
                id=f"incentive_mismatch:{form}:{audience}",
                kind="incentive_mismatch",
                title=f"Form '{form}': show '{key}' to the '{audience}' audience",
                reason=f"'{key}' turned {best.rate:.1%} of the '{audience}' visitors who saw it "
                f"into subscribers; '{current}', shown to them today, turns {today.rate:.1%}.",
                evidence={
                    "form": form,
                    "audience": audience,
                    "better_incentive": key,
                    "better_views": best.views,
                    "better_rate": round(best.rate, 4),
                    "current_incentive": current,
                    "current_views": today.views,
                    "current_rate": round(today.rate, 4),
                    "z": round(z_score(best, today), 2),
                },
                contact_ids=(),
                contact_count=0,
                severity=2,
            )
        )
    return found
