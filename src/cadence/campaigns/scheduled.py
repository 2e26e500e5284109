"""Campaign and send work the scheduler runs in its transaction: scheduled campaigns start,
each sending campaign enqueues its next chunk, deferred sends whose moment came are re-gated."""

from __future__ import annotations

from cadence.campaigns import service
from cadence.db.engine import UnitOfWork
from cadence.sending.service import regate_due


def run_due(uow: UnitOfWork, *, now: int, limit: int) -> int:
    """Do one round of due sending work; returns how much was done (0 when idle)."""
    done = len(service.start_due(uow, now=now))
    for campaign_id in service.sending_ids(uow):
        done += service.enqueue_chunk(uow, campaign_id=campaign_id, now=now)
    done += regate_due(uow, now=now, limit=limit)
    return done


def finish_campaigns(uow: UnitOfWork) -> None:
    """Campaigns with every recipient handed over (or held) are ``sent``."""
    for campaign_id in service.delivering_ids(uow):
        service.finish_if_done(uow, campaign_id=campaign_id)
