"""The demo's recent weeks: campaigns, bounces, opens, decisions and journeys, played
through the real services on a small data set (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from cadence.config import Settings
from cadence.console.demo_story import tell
from cadence.db.bulk import millis
from cadence.db.engine import unit_of_work
from cadence.db.tables import bounce_log, campaigns, decision_log, events, journey_enrolments
from cadence.demo import history
from cadence.demo.load import load_demo
from cadence.runtime import now_millis


def _count(engine: Engine, query: object) -> int:
    with unit_of_work(engine, write=False) as uow:
        return int(uow.conn.execute(query).scalar_one())  # type: ignore[call-overload]


def _events(engine: Engine, name: str, *, since: int) -> int:
    query = select(func.count()).select_from(events)
    return _count(engine, query.where(events.c.name == name, millis(events.c.ts) >= since))


def test_the_recent_weeks_leave_history_on_every_page(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    end = now_millis()
    start = end - history.STORY_DAYS * history.DAY_MS
    at = datetime.fromtimestamp(start / 1000, UTC)
    load_demo(engine, seed=3, contacts=200, accounts=20, months=3, now=at, at=start)
    tell(engine, seed=3, now=start)
    outbox = tmp_path / "outbox"
    demo = history.demo_settings(settings.model_copy(update={"mail_pickup_dir": str(outbox)}))

    tally = history.play(engine, demo, seed=3, start=start, end=end)

    assert tally is not None
    assert len(tally.campaigns) == len(history.CAMPAIGNS)
    with unit_of_work(engine, write=False) as uow:
        statuses = set(uow.conn.scalars(select(campaigns.c.status)))
    assert statuses == {"sent"}
    assert tally.sent > 0
    assert len(list(outbox.glob("*.eml"))) >= tally.sent  # journeys' sends are files too
    # every report was matched and logged; every open and click became an event
    reported = _count(engine, select(func.count()).select_from(bounce_log))
    assert reported == tally.bounced + tally.complaints
    assert _events(engine, "Email Opened", since=start) == tally.opened > 0
    assert _events(engine, "Email Clicked", since=start) == tally.clicked
    assert _events(engine, "Email Bounced", since=start) == tally.bounced
    # decisions were made and their reward windows closed
    rewarded = select(func.count()).where(decision_log.c.reward_source.is_not(None))
    assert _count(engine, rewarded.select_from(decision_log)) > 0
    # journeys moved on from where the load left them
    finished = select(func.count()).where(journey_enrolments.c.status != "active")
    assert _count(engine, finished.select_from(journey_enrolments)) > 0
    # a second run adds nothing
    assert history.play(engine, demo, seed=3, start=start, end=end) is None
