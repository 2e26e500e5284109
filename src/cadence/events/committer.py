"""Group commit: concurrent requests share one transaction and are answered after it commits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from cadence.db.engine import unit_of_work
from cadence.events.spec import Event

log = logging.getLogger(__name__)

Pipeline = Callable[..., object]


@dataclass
class _Pending:
    events: Sequence[Event]
    done: asyncio.Future[None]


class GroupCommitter:
    """A single writer that drains every waiting request into one transaction."""

    def __init__(
        self,
        *,
        engine: Engine,
        pipeline: Callable[..., object],
        clock: Callable[[], int],
        max_events: int = 20_000,
        attempts: int = 3,
    ):
        self._engine = engine
        self._pipeline = pipeline
        self._clock = clock
        self._max_events = max_events
        self._attempts = attempts
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def submit(self, events: Sequence[Event]) -> None:
        """Return once ``events`` are committed; raise if they could not be."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(events, done))
        await done

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            size = len(group[0].events)
            while size < self._max_events and not self._queue.empty():
                group.append(self._queue.get_nowait())
                size += len(group[-1].events)
            errors = await asyncio.to_thread(self._commit, group)
            for pending, error in zip(group, errors, strict=True):
                if pending.done.done():
                    continue
                if error is None:
                    pending.done.set_result(None)
                else:
                    pending.done.set_exception(error)

    def _commit(self, group: list[_Pending]) -> list[BaseException | None]:
        events = [e for pending in group for e in pending.events]
        try:
            self._write(events)
            return [None] * len(group)
        except Exception:
            if len(group) == 1 and self._attempts <= 1:
                raise
            log.exception("group commit failed; retrying requests one by one")
        return [self._write_alone(pending.events) for pending in group]

    def _write_alone(self, events: Sequence[Event]) -> BaseException | None:
        error: BaseException | None = None
        for _ in range(self._attempts):
            try:
                self._write(events)
                return None
            except DBAPIError as failure:  # e.g. another process won a unique key race
                error = failure
            except Exception as failure:
                return failure
        return error

    def _write(self, events: Sequence[Event]) -> None:
        with unit_of_work(self._engine) as uow:
            self._pipeline(uow, events, now=self._clock())
