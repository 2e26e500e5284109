"""A point's reward definition is versioned: decisions are attributed by the one in force."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cadence import scheduler
from cadence.runtime import now_millis
from tests.decisions.api_helpers import apply_points, decide, log_rows, model_updates
from tests.helpers import call, send

DAY = 86_400_000


def _nurture(event: str) -> dict[str, object]:
    return {
        "key": "nurture",
        "options": ["guide", "webinar"],
        "features": ["grade"],
        "reward": {"event": event, "within_days": 7},
    }


def test_decisions_keep_the_reward_they_were_made_under(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    apply_points(client, _nurture("Demo Requested"))
    send(client, *(call("identify", userId=u, traits={"email": f"{u}@x.io"}) for u in "abc"))
    before = decide(client, decision="nurture", contact={"user_id": "a"})
    apply_points(client, _nurture("Trial Started"))  # a new goal: a new model version
    point = client.get("/api/decision-points/nurture").json()
    assert (point["version"], point["reward"]["event"]) == (2, "Trial Started")
    after = {u: decide(client, decision="nurture", contact={"user_id": u}) for u in "bc"}
    send(
        client,
        call("track", userId="a", event="Demo Requested"),
        call("track", userId="b", event="Demo Requested"),
        call("track", userId="c", event="Trial Started"),
    )
    scheduler.run_until_idle(engine, now=now_millis() + 8 * DAY)
    rows = {r.id: r for r in log_rows(client)}
    got = {
        name: (rows[d["decision_id"]].version, rows[d["decision_id"]].reward)
        for name, d in (("a", before), ("b", after["b"]), ("c", after["c"]))
    }
    assert got == {"a": (1, 1.0), "b": (2, 0.0), "c": (2, 1.0)}
    assert (model_updates(client, "nurture", 1), model_updates(client, "nurture", 2)) == (1, 1)


def test_an_unchanged_reward_keeps_the_model(client: TestClient) -> None:
    apply_points(client, _nurture("Demo Requested"))
    decide(client, decision="nurture")
    apply_points(client, {**_nurture("Demo Requested"), "exploration": 0.2})
    assert client.get("/api/decision-points/nurture").json()["version"] == 1
