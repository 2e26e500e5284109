"""The decision API over HTTP: decide, reward, the summaries, the log, versions and errors."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from tests.decisions.api_helpers import apply_points, decide, log_rows, model_updates, rewarded
from tests.helpers import call, send

OFFER = {
    "key": "homepage-offer",
    "options": ["guide", "webinar", "discount"],
    "features": ["traits.persona", "traits.country", "grade", "band", "page"],
}


def test_decide_reward_and_read_back(client: TestClient) -> None:
    applied = apply_points(client, OFFER)
    assert applied["decisions"]["created"] == ["homepage-offer"]
    send(client, call("identify", userId="u1", traits={"persona": "engineer", "country": "NL"}))
    first = decide(client, decision="homepage-offer", contact={"user_id": "u1"})
    assert first["option"] in OFFER["options"]
    assert 0 < first["propensity"] <= 1
    assert first["contact_id"] is not None
    # An unknown visitor is decided on the context alone, and still logged.
    second = decide(
        client, decision="homepage-offer", contact={"user_id": "nobody"}, context={"page": "/p"}
    )
    assert second["contact_id"] is None
    rewarded(client, first["decision_id"], 1.0)
    assert model_updates(client, "homepage-offer") == 1

    rows = log_rows(client)
    assert [r.id for r in rows] == [first["decision_id"], second["decision_id"]]
    assert rows[0].context["traits.persona"] == "engineer"
    assert rows[0].context["grade"] == "E"  # from the contact row
    assert rows[1].context == {
        "traits.persona": None,
        "traits.country": None,
        "grade": None,
        "band": None,
        "page": "/p",
    }
    assert (rows[0].reward, rows[0].reward_source) == (1.0, "api")

    listed = client.get("/api/decision-points").json()["items"]
    assert [p["key"] for p in listed] == ["homepage-offer"]
    summary = listed[0]
    assert (summary["decisions"], summary["rewarded"], summary["mean_reward"]) == (2, 1, 1.0)
    shares = {o["option"]: o["share"] for o in summary["by_option"]}
    assert sum(shares.values()) == 1.0
    assert shares[first["option"]] >= 0.5

    page = client.get("/api/decision-points/homepage-offer/log", params={"limit": 1}).json()
    assert page["options"] == OFFER["options"]
    assert len(page["columns"]) == len(page["items"][0]["features"])
    item = page["items"][0]
    assert (item["decision_id"], item["chosen"], item["reward"]) == (
        first["decision_id"],
        first["option"],
        1.0,
    )
    assert item["action"] == OFFER["options"].index(first["option"])
    assert page["next_after"] == first["decision_id"]
    rest = client.get(
        "/api/decision-points/homepage-offer/log", params={"after": page["next_after"]}
    ).json()
    assert [i["decision_id"] for i in rest["items"]] == [second["decision_id"]]
    assert rest["next_after"] is None


def test_eligible_options_are_respected(client: TestClient) -> None:
    apply_points(client, OFFER)
    for _ in range(20):
        answer = decide(client, decision="homepage-offer", eligible=["webinar"])
        assert (answer["option"], answer["propensity"]) == ("webinar", 1.0)
    answers = {
        decide(client, decision="homepage-offer", eligible=["guide", "discount"])["option"]
        for _ in range(30)
    }
    assert answers <= {"guide", "discount"}


def test_errors_name_the_field_and_write_nothing(client: TestClient) -> None:
    apply_points(client, OFFER)
    cases = [
        ("/api/decide", {"decision": "missing"}, 404, "decision"),
        ("/api/decide", {"decision": "homepage-offer", "eligible": ["nope"]}, 400, "eligible"),
        ("/api/decide", {"decision": "homepage-offer", "eligible": []}, 400, "eligible"),
        (
            "/api/decide",
            {"decision": "homepage-offer", "contact": {"phone": "1"}},
            400,
            "contact.phone",
        ),
        ("/api/decide", {"decision": "homepage-offer", "extra": 1}, 400, "extra"),
        ("/api/decisions/999/reward", {"value": 1}, 404, "decision_id"),
        ("/api/decisions/999/reward", {"value": "lots"}, 400, "value"),
        ("/api/decision-points/missing/evaluate", {"policy": "uniform"}, 404, "key"),
        ("/api/decision-points/homepage-offer/evaluate", {"policy": "best"}, 400, "policy"),
        ("/api/decision-points/homepage-offer/evaluate", {"policy": "fixed"}, 400, "option"),
        ("/api/decision-points/homepage-offer/evaluate", {"policy": "uniform"}, 409, "decision"),
    ]
    for path, body, status, field in cases:
        response = client.post(path, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert log_rows(client) == []
    answer = decide(client, decision="homepage-offer")
    rewarded(client, answer["decision_id"], 0.0)
    again = client.post(f"/api/decisions/{answer['decision_id']}/reward", json={"value": 1})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "value"
    assert [r.reward for r in log_rows(client)] == [0.0]
    fixed = client.post(
        "/api/decision-points/homepage-offer/evaluate", json={"policy": "fixed", "option": "x"}
    )
    assert fixed.status_code == 400
    assert fixed.json()["errors"][0]["field"] == "option"


def test_workspace_section_validates_every_entry(client: TestClient) -> None:
    bad = [
        {"key": "Bad Key", "options": [], "features": ["x:weird"], "algorithm": "greedy"},
        {**OFFER, "reward": {"event": "", "within_days": 0, "colour": 1}, "exploration": 2},
        OFFER,
        OFFER,
    ]
    response = client.put("/api/config", content=yaml.safe_dump({"decisions": bad}))
    assert response.status_code == 400, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "decisions[0].key",
        "decisions[0].options",
        "decisions[0].features",
        "decisions[0].algorithm",
        "decisions[1].reward.event",
        "decisions[1].reward.within_days",
        "decisions[1].reward.colour",
        "decisions[1].exploration",
        "decisions[3].key",
    } <= fields
    assert client.get("/api/decision-points").json()["items"] == []


def test_editing_options_starts_a_new_version_and_keeps_the_old_log(client: TestClient) -> None:
    apply_points(client, OFFER)
    old = decide(client, decision="homepage-offer")
    assert apply_points(client, OFFER)["changes"] == 0  # the same file twice changes nothing
    changed = apply_points(client, {**OFFER, "options": ["guide", "webinar", "trial"]})
    assert changed["decisions"]["new_version"] == ["homepage-offer"]
    new = decide(client, decision="homepage-offer")
    assert new["option"] in ("guide", "webinar", "trial")
    summary = client.get("/api/decision-points/homepage-offer").json()
    assert (summary["version"], summary["decisions"]) == (2, 1)
    v1 = client.get("/api/decision-points/homepage-offer/log", params={"version": 1}).json()
    assert [i["decision_id"] for i in v1["items"]] == [old["decision_id"]]
    assert v1["options"] == OFFER["options"]
    exported = client.get("/api/config").json()["decisions"]
    assert exported[0]["options"] == ["guide", "webinar", "trial"]
    # Removing the point retires it: no more decisions, the log stays.
    removed = client.put("/api/config", content="decisions: []\n")
    assert removed.json()["decisions"]["deleted"] == ["homepage-offer"]
    assert client.post("/api/decide", json={"decision": "homepage-offer"}).status_code == 404
    assert len(log_rows(client)) == 2


def test_erasing_a_contact_unlinks_its_decisions(client: TestClient) -> None:
    apply_points(client, OFFER)
    send(client, call("identify", userId="gone", traits={"persona": "founder"}))
    answer = decide(client, decision="homepage-offer", contact={"user_id": "gone"})
    assert client.delete(f"/api/contacts/{answer['contact_id']}").status_code == 200
    row = log_rows(client)[0]
    assert (row.contact_id, row.context, row.chosen) == (None, {}, answer["option"])
