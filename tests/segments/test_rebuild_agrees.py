"""A full set-based rebuild gives exactly the members incremental evaluation gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import Engine

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.db.types import to_millis
from cadence.demo.generator import generate
from cadence.events.spec import parse_message
from cadence.segments.rebuild import rebuild
from cadence.segments.store import load_segments
from cadence.workspace import document, service


def test_rebuild_equals_incremental_on_the_demo_data(engine: Engine) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    text = resources.files("cadence.demo").joinpath("workspace.yaml").read_text()
    with unit_of_work(engine) as uow:
        service.apply(uow, document.read(document.load_text(text)), now=to_millis(now))
    messages = list(
        generate(seed=3, accounts=15, contacts=120, months=4, now=now - timedelta(hours=1))
    )
    stamp = to_millis(now)
    for start in range(0, len(messages), 500):
        chunk = messages[start : start + 500]
        events = [parse_message(m, where="", received_at=stamp) for m in chunk]
        with unit_of_work(engine) as uow:
            pipeline.process(uow, [e for e in events if not isinstance(e, list)], now=stamp)
    with unit_of_work(engine) as uow:
        reports = [rebuild(uow, s, now=stamp) for s in load_segments(uow) if s.dynamic]
    sizes = {r.key: r.members for r in reports}
    assert [(r.key, r.entered, r.exited) for r in reports if r.entered or r.exited] == []
    assert sum(sizes.values()) > 0
    assert sizes["emea-hot-leads"] <= sizes["hot-enterprise-leads"]
