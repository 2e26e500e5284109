"""Learning, delayed rewards and off-policy evaluation through the decision API."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cadence import scheduler
from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts
from cadence.decisions import store
from cadence.runtime import now_millis
from tests.decisions.api_helpers import apply_points, decide, log_rows, model_updates, rewarded
from tests.helpers import call, send

DAY = 86_400_000


def test_the_chosen_share_moves_to_the_better_option(client: TestClient) -> None:
    apply_points(client, {"key": "banner", "options": ["plain", "bold"], "features": ["page"]})
    chosen = []
    for i in range(240):
        answer = decide(client, decision="banner", context={"page": f"/p{i % 3}"})
        chosen.append(answer["option"])
        rewarded(client, answer["decision_id"], 1.0 if answer["option"] == "bold" else 0.0)
    # Both start at the same prior; the floor keeps 5% on "plain" for ever.
    assert chosen[-80:].count("bold") / 80 > 0.75
    with unit_of_work(client.app.state.engine) as uow:  # type: ignore[attr-defined]
        model = store.load_model(uow, "banner", 1)
    x = model.spec.encode(context={"page": "/p1"})
    plain, bold = model.policy.expected_rewards(context=x, options=["plain", "bold"])
    assert bold > 0.9 and plain < 0.1


def test_snips_equals_the_on_policy_mean_and_ips_matches_a_hand_count(client: TestClient) -> None:
    # exploration 1: the logging policy is uniform random, every propensity 1/3.
    apply_points(
        client,
        {"key": "cta", "options": ["a", "b", "c"], "features": ["page"], "exploration": 1.0},
    )
    value = {"a": 1.0, "b": 0.0, "c": 0.5}
    answers = [decide(client, decision="cta", context={"page": "/x"}) for _ in range(30)]
    for answer in answers:
        assert answer["propensity"] == pytest.approx(1 / 3)
        rewarded(client, answer["decision_id"], value[answer["option"]])
    rewards = [value[a["option"]] for a in answers]
    observed = sum(rewards) / len(rewards)

    uniform = client.post("/api/decision-points/cta/evaluate", json={"policy": "uniform"}).json()
    assert uniform["n"] == 30
    assert uniform["logged"]["value"] == pytest.approx(observed)
    assert uniform["estimates"]["snips"]["value"] == pytest.approx(observed)
    assert uniform["estimates"]["ips"]["value"] == pytest.approx(observed)
    low, high = uniform["estimates"]["snips"]["low"], uniform["estimates"]["snips"]["high"]
    assert low <= observed <= high

    fixed = client.post(
        "/api/decision-points/cta/evaluate", json={"policy": "fixed", "option": "a"}
    ).json()
    count_a = sum(1 for a in answers if a["option"] == "a")
    # IPS: rows that chose "a" weigh 1 / (1/3) = 3; SNIPS: their mean reward, here 1.
    assert fixed["estimates"]["ips"]["value"] == pytest.approx(3 * count_a * 1.0 / 30)
    if count_a:
        assert fixed["estimates"]["snips"]["value"] == pytest.approx(1.0)
    current = client.post("/api/decision-points/cta/evaluate", json={"policy": "current"}).json()
    for name in ("ips", "snips", "dr"):
        estimate = current["estimates"][name]
        assert math.isfinite(estimate["value"])
        assert estimate["low"] <= estimate["value"] <= estimate["high"]


def test_delayed_rewards_are_attributed_when_windows_close(
    client: TestClient, engine: Engine
) -> None:
    apply_points(
        client,
        {
            "key": "nurture",
            "options": ["case-study", "demo-invite"],
            "features": ["grade"],
            "reward": {
                "event": "Demo Requested",
                "within_days": 7,
                "where": {"plan": "pro"},
                "negative": ["Unsubscribed"],
            },
        },
    )
    people = ["conv", "unsub", "idle", "explicit", "wrong-plan"]
    send(client, *(call("identify", userId=u, traits={"email": f"{u}@x.io"}) for u in people))
    decided = {u: decide(client, decision="nurture", contact={"user_id": u}) for u in people}
    anonymous = decide(client, decision="nurture", contact={"user_id": "stranger"})
    send(
        client,
        call("track", userId="conv", event="Demo Requested", properties={"plan": "pro"}),
        call("track", userId="unsub", event="Demo Requested", properties={"plan": "pro"}),
        call("track", userId="unsub", event="Unsubscribed"),
        call("track", userId="wrong-plan", event="Demo Requested", properties={"plan": "free"}),
        call("track", userId="explicit", event="Demo Requested", properties={"plan": "pro"}),
    )
    rewarded(client, decided["explicit"]["decision_id"], 0.25)

    scheduler.run_pass(engine, now=now_millis() + 6 * DAY)  # windows still open
    assert [r.reward_source for r in log_rows(client)].count(None) == 5

    scheduler.run_until_idle(engine, now=now_millis() + 8 * DAY)
    rows = {r.id: r for r in log_rows(client)}
    got = {
        u: (rows[d["decision_id"]].reward, rows[d["decision_id"]].reward_source)
        for u, d in decided.items()
    }
    assert got == {
        "conv": (1.0, "attributed"),
        "unsub": (-1.0, "attributed"),
        "idle": (0.0, "attributed"),
        "explicit": (0.25, "api"),  # the explicit reward wins over attribution
        "wrong-plan": (0.0, "attributed"),
    }
    assert rows[anonymous["decision_id"]].reward_source == "expired"
    assert model_updates(client, "nurture") == 2  # one explicit reward, one attribution batch

    # A later explicit reward replaces an attributed one (the model unlearns the old value).
    rewarded(client, decided["idle"]["decision_id"], 1.0)
    assert log_rows(client)[2].reward == 1.0
    summary = client.get("/api/decision-points/nurture").json()
    assert summary["rewarded"] == 5
    assert summary["mean_reward"] == pytest.approx((1.0 - 1.0 + 1.0 + 0.25 + 0.0) / 5)


def test_attribution_follows_a_merged_contact(client: TestClient, engine: Engine) -> None:
    apply_points(
        client,
        {
            "key": "welcome",
            "options": ["a", "b"],
            "features": ["grade"],
            "reward": {"event": "Signed Up", "within_days": 1},
        },
    )
    send(
        client,
        call("identify", userId="known", traits={"email": "k@x.io"}),
        call("page", anonymousId="visitor", name="Home"),
    )
    by_visitor = decide(client, decision="welcome", contact={"anonymous_id": "visitor"})
    by_user = decide(client, decision="welcome", contact={"user_id": "known"})
    assert by_visitor["contact_id"] != by_user["contact_id"]
    send(client, call("alias", previousId="visitor", userId="known"))
    send(client, call("track", userId="known", event="Signed Up"))
    with engine.connect() as conn:
        merged = conn.execute(
            select(contacts.c.merged_into).where(
                contacts.c.id.in_([by_visitor["contact_id"], by_user["contact_id"]])
            )
        ).scalars()
        assert any(m is not None for m in merged)  # one of the two decisions' contacts is gone
    scheduler.run_until_idle(engine, now=now_millis() + 2 * DAY)
    rows = {r.id: r for r in log_rows(client)}
    assert rows[by_visitor["decision_id"]].reward == 1.0
    assert rows[by_user["decision_id"]].reward == 1.0
