"""Build insight test data through the real pipeline (and rows the permission layer keeps)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Engine, insert

from cadence import pipeline
from cadence.db.engine import unit_of_work
from cadence.db.types import from_millis
from cadence.events.spec import Event, parse_message
from cadence.runtime import now_millis
from cadence.workspace import document
from cadence.workspace import service as workspace

DAY = 86_400_000
NOW = (now_millis() // DAY) * DAY  # data is built relative to today: the API trains "now"
_ids = itertools.count(1)

WORKSPACE = """
scoring:
  half_life_days: 30
  rules:
    - {key: pricing, event: Page Viewed, where: {path: /pricing}, points: 10}
    - {key: demo, event: Demo Requested, points: 50}
    - {key: click, event: Email Clicked, points: 5}
grading:
  criteria:
    - key: senior
      when: {field: traits.seniority, op: in, value: [VP, Director]}
      points: 60
    - key: complete
      when: {field: profile_level, op: gte, value: 1}
      points: 40
"""


def apply_workspace(engine: Engine, text: str = WORKSPACE, *, now: int = NOW) -> None:
    with unit_of_work(engine) as uow:
        workspace.apply(uow, document.read(document.load_text(text)), now=now)


def identify(user: str, at: int, **traits: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "userId": user,
        "traits": traits,
        "timestamp": from_millis(at).isoformat(),
        "messageId": f"i-{next(_ids)}",
    }


def track(user: str, event: str, at: int, **properties: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": event,
        "properties": properties,
        "timestamp": from_millis(at).isoformat(),
        "messageId": f"t-{next(_ids)}",
    }


def ingest(engine: Engine, messages: list[dict[str, Any]], *, now: int = NOW) -> None:
    parsed: list[Event] = []
    for index, message in enumerate(messages):
        event = parse_message(message, where=f"[{index}]", received_at=now)
        assert not isinstance(event, list), event
        parsed.append(event)
    with unit_of_work(engine) as uow:
        pipeline.process(uow, parsed, now=now)


def rows(engine: Engine, table: Any, items: list[dict[str, Any]]) -> None:
    if items:
        with unit_of_work(engine) as uow:
            uow.conn.execute(insert(table), items)


def contact_ids(engine: Engine) -> dict[str, int]:
    from sqlalchemy import select

    from cadence.db.tables import contacts

    with unit_of_work(engine, write=False) as uow:
        return {u: i for i, u in uow.conn.execute(select(contacts.c.id, contacts.c.user_id))}
