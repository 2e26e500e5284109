"""Running a campaign from an edge (CLI, scheduler): one transaction per chunk of
recipients, then delivery in batches until nothing of it is left to hand over."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Engine

from cadence.campaigns import service
from cadence.channels.base import Transport
from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.sending.delivery import deliver_due

Progress = Callable[[dict[str, object]], None]


def run(
    engine: Engine,
    settings: Settings,
    *,
    campaign_id: int,
    now: Callable[[], int],
    transports: Mapping[str, Transport],
    progress: Progress | None = None,
) -> dict[str, object]:
    """Start (if needed), enqueue and deliver the campaign; returns its final state."""
    with unit_of_work(engine) as uow:
        service.start(uow, campaign_id=campaign_id, now=now())
    while True:
        with unit_of_work(engine) as uow:
            added = service.enqueue_chunk(uow, campaign_id=campaign_id, now=now())
        claimed = deliver_due(
            engine, settings, now=now(), limit=settings.send_batch_size, transports=transports
        )
        with unit_of_work(engine) as uow:
            done = service.finish_if_done(uow, campaign_id=campaign_id)
            state = service.get(uow, campaign_id=campaign_id)
        if progress is not None:
            progress(state)
        if done or (added == 0 and claimed == 0):  # the rest waits for a back-off: scheduler
            return state
