"""Group commit for decisions: concurrent API requests share one transaction.

Every ``POST /api/decide`` must be durable before it is answered, and on SQLite each
commit is an fsync. Requests arriving while a commit is under way queue up; when it
ends, one of them (the leader) takes the whole queue and decides all of it in a single
transaction, and each request is answered after that commit. A request whose decision
is refused (an unknown point, an ineligible option) fails alone: those checks run
before anything is written. If the shared transaction fails, each decision is retried
in a transaction of its own. No thread waits on a timer, only on the commit before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine

from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.errors import InputError, NotFound

T = TypeVar("T")
Refused = (InputError, NotFound)


@dataclass(eq=False)
class _Job(Generic[T]):
    work: Callable[[UnitOfWork], T]
    result: T | None = None
    error: BaseException | None = None
    done: bool = False


class GroupCommit(Generic[T]):
    """Run units of work from many threads, several to a transaction."""

    def __init__(self, engine: Engine, *, max_group: int = 256) -> None:
        self._engine = engine
        self._max_group = max_group
        self._queue: list[_Job[T]] = []
        self._busy = False
        self._changed = threading.Condition()

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        """``work(uow)`` committed (with others'); its result, or its exception raised."""
        job: _Job[T] = _Job(work)
        with self._changed:
            self._queue.append(job)
            while self._busy and not job.done:
                self._changed.wait()
            if not job.done:
                self._busy = True
                group, self._queue = self._queue[: self._max_group], self._queue[self._max_group :]
        if not job.done:
            try:
                self._commit(group)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _commit(self, group: Sequence[_Job[T]]) -> None:
        try:
            with unit_of_work(self._engine) as uow:
                for job in group:
                    self._attempt(job, uow)
            for job in group:
                job.done = True
        except Exception:  # the shared transaction failed: each on its own
            for job in group:
                job.error = None
                try:
                    with unit_of_work(self._engine) as uow:
                        self._attempt(job, uow)
                except Exception as error:
                    job.error = error
                job.done = True

    @staticmethod
    def _attempt(job: _Job[T], uow: UnitOfWork) -> None:
        try:
            job.result = job.work(uow)
        except Refused as refused:  # raised before writing: the others go on
            job.error = refused
