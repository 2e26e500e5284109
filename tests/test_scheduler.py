"""The scheduler runs each domain in its own transaction: a poisoned row holds back only its own."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence import scheduler
from cadence.db.engine import unit_of_work
from cadence.db.tables import decision_log, schedule
from cadence.runtime import now_millis
from tests.decisions.api_helpers import apply_points, decide
from tests.helpers import call, send

DAY = 86_400_000


def test_a_failing_domain_does_not_hold_back_the_others(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    segment = {
        "key": "demo-requesters",
        "name": "Demo",
        "condition": {"event": "Demo Requested", "within_days": 3},
    }
    assert client.post("/api/segments", json=segment).status_code == 201
    apply_points(
        client,
        {
            "key": "nurture",
            "options": ["guide", "webinar"],
            "features": ["grade"],
            "reward": {"event": "Trial Started", "within_days": 7},
        },
    )
    send(client, call("track", userId="a", event="Demo Requested"))
    decision = decide(client, decision="nurture", contact={"user_id": "a"})
    send(client, call("track", userId="a", event="Trial Started"))
    with unit_of_work(engine) as uow:  # the database refuses to let re-checks be taken
        assert uow.conn.execute(select(schedule.c.due_at)).first() is not None
        for statement in POISON[uow.dialect]:
            uow.conn.exec_driver_sql(statement)

    later = now_millis() + 8 * DAY
    with caplog.at_level(logging.ERROR, logger="cadence.scheduler"):
        report = scheduler.run_until_idle(engine, now=later)

    assert "segments" in report.failed
    assert any("segments failed" in record.getMessage() for record in caplog.records)
    with unit_of_work(engine, write=False) as uow:
        reward = uow.conn.execute(
            select(decision_log.c.reward).where(decision_log.c.id == decision["decision_id"])
        ).scalar_one()
        left = uow.conn.execute(select(schedule.c.due_at)).scalars().all()
    assert reward == 1.0  # the rewards domain committed its work
    assert len(left) == 1  # the re-check was rolled back and stays due

    with unit_of_work(engine) as uow:  # mended: the next pass takes it
        uow.conn.exec_driver_sql(MEND[uow.dialect])
    assert scheduler.run_until_idle(engine, now=later).failed == []
    members = client.get("/api/segments/demo-requesters/members").json()["items"]
    assert members == []  # the demo request is 8 days old: the contact left the segment


POISON = {
    "sqlite": [
        "CREATE TRIGGER poison BEFORE DELETE ON schedule BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'poisoned'; END $$",
        "CREATE TRIGGER poison BEFORE DELETE ON schedule FOR EACH ROW EXECUTE FUNCTION poison()",
    ],
}
MEND = {"sqlite": "DROP TRIGGER poison", "postgresql": "DROP TRIGGER poison ON schedule"}
