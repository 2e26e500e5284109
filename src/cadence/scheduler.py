"""Work that falls due by time: run inside ``cadence serve`` or by ``cadence worker`` processes.

Each pass takes what is due (on PostgreSQL with FOR UPDATE SKIP LOCKED, so several workers
never take the same row), runs it in one transaction and commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from cadence.campaigns import scheduled as campaign_work
from cadence.config import Settings
from cadence.consent.expiry import expire_due, next_expiry_at
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import campaigns, decision_log, journey_due, schedule, send_jobs
from cadence.db.types import to_millis
from cadence.decisions import rewards as decision_rewards
from cadence.insights import schedule as insights_schedule
from cadence.journeys import runner as journey_runner
from cadence.scoring import settings as lead_settings
from cadence.scoring.service import run_due_bands
from cadence.segments.membership import Touch, run_due_rechecks, update_memberships
from cadence.sending.delivery import deliver_due as deliver_sends
from cadence.webhooks import service as webhooks

log = logging.getLogger(__name__)


@dataclass
class PassReport:
    segment_checks: int = 0
    entered: int = 0
    exited: int = 0
    bands: int = 0
    webhooks: int = 0
    # the domains whose work raised in this pass (rolled back; the others committed)
    failed: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.segment_checks + self.bands + self.webhooks


def _isolated(report: PassReport, name: str, work: Callable[[], int]) -> int:
    """Run one domain's work; a failure rolls back that domain alone and is logged."""
    try:
        return work()
    except Exception:  # one poisoned row must not stop the other domains' work
        log.exception("scheduler: %s failed; the other domains went on", name)
        report.failed.append(name)
        return 0


def run_pass(
    engine: Engine, *, now: int, limit: int = 5000, settings: Settings | None = None
) -> PassReport:
    """Run one batch of due work; returns what it did (0 when nothing was due).

    Each domain runs in a transaction of its own, so a failure in one (rolled back,
    logged, retried on a later pass) does not hold back the others. ``settings``
    configure the channels: without them no message is delivered."""
    report = PassReport()

    def segments_and_bands() -> int:
        with unit_of_work(engine) as uow:
            config = lead_settings.load(uow)
            moved = run_due_bands(uow, now=now, settings=config, limit=limit)
            touches = {cid: Touch(columns=True, cause="score decayed") for cid in moved}
            half_life = config.half_life_days
            by_band = update_memberships(uow, touches, now=now, half_life_days=half_life)
            due = run_due_rechecks(uow, now=now, limit=limit, half_life_days=half_life)
        report.segment_checks += due.evaluated + by_band.evaluated
        report.entered += due.entered + by_band.entered
        report.exited += due.exited + by_band.exited
        report.bands += len(moved)
        return len(moved) + due.evaluated + by_band.evaluated

    def in_transaction(work: Callable[[UnitOfWork], int]) -> Callable[[], int]:
        def run() -> int:
            with unit_of_work(engine) as uow:
                return work(uow)

        return run

    retrain_horizon: list[int] = []

    def retraining(uow: UnitOfWork) -> int:
        horizon = insights_schedule.claim_retraining(uow, now=now)
        if horizon is not None:
            retrain_horizon.append(horizon)
        return 0

    _isolated(report, "segments", segments_and_bands)
    domains: list[tuple[str, Callable[[UnitOfWork], int]]] = [
        ("webhooks", lambda uow: webhooks.fan_out(uow, now=now)),
        ("consent expiry", lambda uow: expire_due(uow, now=now, limit=500).contacts),
        # sending (A2): deferred sends that fall due are re-gated here
        ("campaigns", lambda uow: campaign_work.run_due(uow, now=now, limit=limit)),
        # decisions (B1): reward windows that close are attributed here
        ("rewards", lambda uow: decision_rewards.attribute_due(uow, now=now, limit=limit)),
        # journeys (B2): due journey steps run here
        ("journeys", lambda uow: journey_runner.run_pass(uow, now=now, limit=min(limit, 200))),
        # console (C): scheduled model retraining is claimed here
        ("retraining", retraining),
    ]
    other = 0
    for name, work in domains:
        other += _isolated(report, name, in_transaction(work))
    # network calls happen after the commits
    other += _isolated(
        report, "webhook delivery", lambda: sum(webhooks.deliver_due(engine, now=now).values())
    )
    if retrain_horizon:  # insights (C2): fitting runs outside the pass's transactions
        insights_schedule.retrain(engine, now=now, horizon_days=retrain_horizon[0])
    # sending (A2): queued sends are delivered here, after the commits
    if settings is not None:
        send_settings = settings

        def delivery() -> int:
            sent = deliver_sends(
                engine, send_settings, now=now, limit=send_settings.send_batch_size
            )
            with unit_of_work(engine) as uow:
                campaign_work.finish_campaigns(uow)
            return sent

        other += _isolated(report, "delivery", delivery)
    report.webhooks += other
    return report


def run_until_idle(
    engine: Engine, *, now: int, limit: int = 5000, settings: Settings | None = None
) -> PassReport:
    """Run passes until nothing is due at ``now``."""
    total = PassReport()
    while True:
        step = run_pass(engine, now=now, limit=limit, settings=settings)
        if step.done == 0:
            return total
        total.segment_checks += step.segment_checks
        total.entered += step.entered
        total.exited += step.exited
        total.bands += step.bands
        total.webhooks += step.webhooks
        total.failed += step.failed


def next_due(engine: Engine) -> int | None:
    """The earliest moment any kind of due work falls due (None when nothing is waiting)."""
    jobs = send_jobs.c
    queries = [
        select(func.min(schedule.c.due_at)),
        select(func.min(journey_due.c.due_at)),
        select(func.min(jobs.due_at)).where(jobs.state.in_(("queued", "deferred"))),
        select(func.min(jobs.lease_until)).where(jobs.state == "sending"),
        select(func.min(campaigns.c.send_at)).where(campaigns.c.status == "scheduled"),
        select(func.min(decision_log.c.closes_at)).where(decision_log.c.reward_source.is_(None)),
    ]
    with unit_of_work(engine, write=False) as uow:
        values = [uow.conn.execute(query).scalar() for query in queries]
        lapse = next_expiry_at(uow)
    moments = [to_millis(value) for value in values if value is not None]
    if lapse is not None:
        moments.append(lapse)
    return min(moments) if moments else None


async def run_forever(
    engine: Engine,
    *,
    clock: Callable[[], int],
    idle_seconds: float = 5.0,
    settings: Settings | None = None,
) -> None:
    """The background loop: run what is due, then wait until the next due moment (bounded)."""
    while True:
        try:
            report = await asyncio.to_thread(run_until_idle, engine, now=clock(), settings=settings)
            if report.done:
                log.info(
                    "scheduler: %s re-checks, %s entered, %s exited",
                    report.done,
                    report.entered,
                    report.exited,
                )
            # work that failed stays due: wait the idle time before retrying it
            upcoming = None if report.failed else await asyncio.to_thread(next_due, engine)
        except Exception:  # keep the loop alive; the failed pass is retried
            log.exception("scheduler pass failed")
            upcoming = None
        wait = (
            idle_seconds
            if upcoming is None
            else min(idle_seconds, max(0.05, (upcoming - clock()) / 1000))
        )
        await asyncio.sleep(wait)
