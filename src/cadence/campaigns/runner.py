"""Running a campaign from an edge (CLI, scheduler): one transaction per chunk of
recipients, then delivery in batches until nothing of it is left to hand over.

The next chunk is enqueued (gated, booked) while the current batch is delivered: the two
are separate transactions, and a claim only ever takes what an enqueue committed, so the
overlap changes no outcome, only the time the connections wait between batches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

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
    added = _enqueue(engine, campaign_id=campaign_id, now=now)
    with ThreadPoolExecutor(1, thread_name_prefix="cadence-enqueue") as ahead:
        while True:
            upcoming = (
                ahead.submit(_enqueue, engine, campaign_id=campaign_id, now=now) if added else None
            )
            claimed = deliver_due(
                engine, settings, now=now(), limit=settings.send_batch_size, transports=transports
            )
            added = upcoming.result() if upcoming is not None else 0
            with unit_of_work(engine) as uow:
                done = service.finish_if_done(uow, campaign_id=campaign_id)
                last = done or (added == 0 and claimed == 0)  # the rest waits for a back-off
                # the totals count every recipient so far: read only when someone looks
                wanted = last or progress is not None
                state = service.get(uow, campaign_id=campaign_id) if wanted else {}
            if progress is not None:
                progress(state)
            if last:
                return state


def _enqueue(engine: Engine, *, campaign_id: int, now: Callable[[], int]) -> int:
    """The next chunk of recipients, in its own transaction; how many were enqueued."""
    with unit_of_work(engine) as uow:
        return service.enqueue_chunk(uow, campaign_id=campaign_id, now=now())
