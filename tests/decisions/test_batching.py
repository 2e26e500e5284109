"""Group commit of decisions: many threads, shared transactions, failures kept apart."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import decision_log
from cadence.decisions import service
from cadence.decisions.batching import GroupCommit
from cadence.errors import NotFound

NOW = 1_790_000_000_000


def _decide(point: str) -> Callable[[UnitOfWork], service.Chosen]:
    def work(uow: UnitOfWork) -> service.Chosen:
        return service.choose(
            uow,
            point=point,
            contact_id=None,
            eligible=None,
            context={"page": "/"},
            at=NOW,
            source="test",
        )

    return work


def _register(engine: Engine) -> None:
    with unit_of_work(engine) as uow:
        service.ensure_point(
            uow,
            key="p",
            options=["a", "b"],
            features=["page"],
            reward=None,
            managed_by="test",
            now=NOW,
        )


def test_concurrent_decisions_share_commits_and_refusals_fail_alone(engine: Engine) -> None:
    _register(engine)
    commit: GroupCommit[service.Chosen] = GroupCommit(engine)
    points = ["p"] * 120 + ["missing"] * 6
    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(commit.run, _decide(point)) for point in points]
    answers = [f.result() for f in futures[:120]]
    for refused in futures[120:]:
        with pytest.raises(NotFound):
            refused.result()
    ids = {a.decision_id for a in answers}
    assert len(ids) == 120
    with unit_of_work(engine) as uow:
        stored = set(uow.conn.execute(select(decision_log.c.id)).scalars())
        count = uow.conn.execute(select(func.count()).select_from(decision_log)).scalar_one()
    assert stored == ids and count == 120


def test_a_failing_transaction_retries_each_alone(engine: Engine) -> None:
    _register(engine)
    commit: GroupCommit[object] = GroupCommit(engine)  # results of any type

    def broken(uow: UnitOfWork) -> object:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        commit.run(broken)
    assert isinstance(commit.run(_decide("p")), service.Chosen)
