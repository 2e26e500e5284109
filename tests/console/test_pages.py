"""The pages' data against the API's own answers, on SQLite and PostgreSQL: workspace
apply with its diff, segments edited and counted, journeys drawn, contacts explained."""

from __future__ import annotations

import re

import yaml
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.conftest import ADMIN_KEY
from tests.journeys.helpers import apply_workspace, enrol, new_contact, put_journey, run_at

from .conftest import csrf_field

API = {"Authorization": f"Bearer {ADMIN_KEY}"}


def api(client: TestClient) -> TestClient:
    client.headers.update(API)  # the REST API by key; the console pages by their cookie
    return client


def test_workspace_check_shows_the_diff_and_apply_changes_it(admin: TestClient) -> None:
    apply_workspace(api(admin))
    page = admin.get("/console/settings")
    current = re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert current is not None
    document = yaml.safe_load(current.group(1).replace("&#34;", '"').replace("&#39;", "'"))
    document["segments"].append(
        {
            "key": "germany",
            "name": "Germany",
            "condition": {"field": "traits.country", "op": "eq", "value": "DE"},
        }
    )
    text = yaml.safe_dump(document, sort_keys=False)
    token = csrf_field(page.text)
    checked = admin.post(
        "/console/settings/workspace", data={"csrf": token, "document": text, "step": "check"}
    )
    assert checked.status_code == 200
    assert "segments: created <strong>germany</strong>" in checked.text
    assert '<span class="add">+- key: germany</span>' in checked.text
    assert admin.get("/api/segments/germany").status_code == 404  # a check writes nothing
    applied = admin.post(
        "/console/settings/workspace",
        data={"csrf": token, "document": text, "step": "apply"},
        follow_redirects=False,
    )
    assert applied.status_code == 303 and "applied+1+change" in applied.headers["location"]
    assert admin.get("/api/segments/germany").json()["name"] == "Germany"


def test_an_invalid_workspace_names_each_problem_and_changes_nothing(admin: TestClient) -> None:
    token = csrf_field(admin.get("/console/settings").text)
    bad = "segments:\n  - key: x\n    condition: {field: traits.a, op: nope, value: 1}\n"
    answer = admin.post(
        "/console/settings/workspace", data={"csrf": token, "document": bad, "step": "apply"}
    )
    assert answer.status_code == 422
    assert "segments[0].condition.op" in answer.text
    assert api(admin).get("/api/segments").json()["items"] == []


def test_segment_editor_saves_and_counts_like_the_api(admin: TestClient) -> None:
    apply_workspace(api(admin))
    new_contact(admin, "hot@example.com", hot=True)
    new_contact(admin, "cold@example.com", hot=False)
    page = admin.get("/console/segments/hot")
    assert page.status_code == 200 and 'id="size">1<' in page.text
    token = csrf_field(page.text)
    headers = {"X-CSRF-Token": token}
    draft = "field: traits.hot\nop: exists\n"
    live = admin.post("/console/api/segments/preview", json={"condition": draft}, headers=headers)
    expected = admin.post(
        "/api/segments/preview",
        json={"condition": {"field": "traits.hot", "op": "exists"}, "sample": 0},
    ).json()["count"]
    assert live.json() == {"count": expected} and expected == 2
    forged = admin.post("/console/api/segments/preview", json={"condition": draft})
    assert forged.status_code == 403
    saved = admin.post(
        "/console/segments/hot", data={"csrf": token, "condition": draft}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert admin.get("/api/segments/hot").json()["size"] == 2
    wrong = admin.post("/console/segments/hot", data={"csrf": token, "condition": "op: [unclosed"})
    assert wrong.status_code == 422 and "condition" in wrong.text
    assert admin.get("/api/segments/hot").json()["condition"] == {
        "field": "traits.hot",
        "op": "exists",
    }


def test_journey_page_draws_steps_with_the_api_counts(admin: TestClient) -> None:
    apply_workspace(api(admin))
    body = {
        "triggers": [{"manual": True}],
        "reentry": "always",
        "steps": [
            {
                "id": "split",
                "type": "random",
                "branches": [{"key": "a", "weight": 1, "next": "tag"}, {"key": "b", "weight": 1}],
            },
            {"id": "tag", "type": "add_to_list", "list": "vip-list"},
        ],
    }
    put_journey(admin, "welcome", body)
    people = [new_contact(admin, f"p{i}@example.com") for i in range(6)]
    enrol(admin, "welcome", *people)
    run_at(admin)
    stats = admin.get("/api/journeys/welcome/stats").json()
    page = admin.get("/console/journeys/welcome")
    assert page.status_code == 200
    assert page.text.count('<g class="node">') == 2
    passed = {s["id"]: s["passed"] for s in stats["steps"]}
    assert f"{passed['tag']} passed" in page.text
    for label, variant in stats["variants"].items():
        assert f"<td>{label}</td><td>{variant['entered']}</td>" in page.text
    listing = admin.get("/console/journeys")
    assert f"<td>{stats['enrolments']['total']}</td>" in listing.text


def test_contact_page_explains_the_score_like_the_api(admin: TestClient) -> None:
    contact_id = new_contact(api(admin), "ada@example.com", first_name="Ada", company="Acme")
    explained = admin.get(f"/api/contacts/{contact_id}/score").json()
    page = admin.get(f"/console/contacts/{contact_id}")
    assert page.status_code == 200 and "<title>Ada · Cadence</title>" in page.text
    assert escape(explained["grade"]["reason"]) in page.text
    assert escape(explained["score"]["reason"]) in page.text
    found = admin.get("/console/contacts", params={"q": "acme"})
    assert f'href="/console/contacts/{contact_id}"' in found.text
    assert admin.get("/console/contacts/999999").status_code == 404
