"""Adaptive incentives on subscribe forms: each display a logged decision, opt-ins rewarded."""

from __future__ import annotations

from typing import Any

import httpx
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence import scheduler
from cadence.db.tables import form_views, outbox
from cadence.runtime import now_millis
from tests.conftest import ADMIN_KEY
from tests.decisions.api_helpers import apply_points, log_rows, model_updates
from tests.helpers import contact_by
from tests.web.conftest import BrowserPage
from tests.web.formhelp import FORMS, apply_forms, view_token
from tests.web.pagehelp import csrf_of, path_of
from tests.web.test_forms import incentive_on

ADAPTIVE = FORMS + "    incentive_choice: adaptive\n    optin_within_days: 3\n"
POINT = "form:newsletter"
TEXT = {"guide": "Free guide: the B2B playbook", "prize": "Win a weekend away"}
DAY = 86_400_000


def _views(client: TestClient) -> list[Any]:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(select(form_views).order_by(form_views.c.id)))


def _subscribe(client: TestClient, *, email: str, channel: str, query: str = "") -> str:
    page = client.get(f"/f/newsletter{query}")
    form = {
        "v": view_token(page.text),
        "email": email,
        "phone": "+49 30 1234567",
        "topic": ["news"],
        "channel": [channel],
        "website": "",
    }
    done = client.post("/f/newsletter", data=form)
    assert done.status_code == 200, done.text
    return done.text


def _confirm(client: TestClient, *, contact_id: int) -> None:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        payload = conn.execute(
            select(outbox.c.payload).where(
                outbox.c.topic == "consent.confirmation_requested",
                outbox.c.contact_id == contact_id,
            )
        ).scalar_one()
    url = path_of(payload["confirm_url"])
    confirmed = client.post(url, data={"csrf": csrf_of(client.get(url).text)})
    assert confirmed.status_code == 200, confirmed.text


def test_each_display_is_a_decision_among_the_audiences_incentives(client: TestClient) -> None:
    apply_forms(client, ADAPTIVE)
    shown = incentive_on(client.get("/f/newsletter?utm_source=linkedin").text)
    for _ in range(3):
        assert incentive_on(client.get("/f/newsletter").text) == TEXT["prize"]
    first, *anonymous = log_rows(client)
    views = _views(client)
    assert (first.point, first.context, first.eligible) == (
        POINT,
        {"audience": "social"},
        ["guide", "prize"],
    )
    assert shown == TEXT[first.chosen] and 0 < first.propensity <= 1
    assert [(r.context, r.chosen, r.propensity) for r in anonymous] == [
        ({"audience": "everyone"}, "prize", 1.0)  # the only incentive for everyone
    ] * 3
    assert [v.incentive_key for v in views] == [r.chosen for r in (first, *anonymous)]
    assert [r.source for r in (first, *anonymous)] == [f"form-view:{v.id}" for v in views]
    report = client.get("/api/reports/forms").json()["rows"]
    assert sum(r["views"] for r in report) == 4


def test_a_form_keeps_its_targeted_choice_unless_it_opts_in(client: TestClient) -> None:
    apply_forms(client)
    assert incentive_on(client.get("/f/newsletter?utm_source=x").text) == TEXT["guide"]
    assert log_rows(client) == []
    exported = client.get("/api/config")
    assert "incentive_choice" not in exported.text
    refused = client.put("/api/config", content=FORMS + "    incentive_choice: sometimes\n")
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["forms[0].incentive_choice"]


def test_an_opt_in_without_confirmation_rewards_its_display_at_once(client: TestClient) -> None:
    apply_forms(client, ADAPTIVE)
    text = _subscribe(client, email="ann@acme.io", channel="sms", query="?utm_source=x")
    assert "You are subscribed" in text
    (row,) = log_rows(client)
    contact = contact_by(client, email="ann@acme.io")
    assert (row.reward, row.reward_source, row.contact_id) == (1.0, "api", contact["id"])
    assert model_updates(client, POINT) == 1


def test_a_confirmed_double_opt_in_earns_1_when_the_window_closes(client: TestClient) -> None:
    apply_forms(client, ADAPTIVE)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    client.get("/f/newsletter")  # a display nobody submits
    assert "Confirm your subscription" in _subscribe(client, email="bo@acme.io", channel="email")
    assert "Confirm your subscription" in _subscribe(client, email="cy@acme.io", channel="email")
    bo, cy = (contact_by(client, email=e)["id"] for e in ("bo@acme.io", "cy@acme.io"))
    _confirm(client, contact_id=bo)

    scheduler.run_pass(engine, now=now_millis() + 2 * DAY)  # the 3-day windows are still open
    assert [r.reward_source for r in log_rows(client)] == [None, None, None]
    scheduler.run_until_idle(engine, now=now_millis() + 4 * DAY)
    got = [(r.contact_id, r.reward, r.reward_source) for r in log_rows(client)]
    assert got == [(None, 0.0, "attributed"), (bo, 1.0, "attributed"), (cy, 0.0, "attributed")]
    assert model_updates(client, POINT) == 1  # one attribution batch


def test_a_browser_sees_a_chosen_incentive_and_its_reward_lands(
    live_server: str, browser_page: BrowserPage
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with httpx.Client(base_url=live_server, headers=headers) as api:
        assert api.put("/api/config", content=ADAPTIVE.encode()).status_code == 200
        page = browser_page.page
        page.goto(f"{live_server}/f/newsletter?utm_source=linkedin")
        shown = page.locator(".incentive").inner_text()
        (decided,) = api.get(f"/api/decision-points/{POINT}/log").json()["items"]
        assert shown == TEXT[decided["chosen"]] and decided["context"] == {"audience": "social"}
        page.get_by_label("Email address").fill("dee@acme.io")
        page.get_by_label("Mobile phone (for SMS or calls)").fill("+49 30 7654321")
        page.get_by_label("News").check()
        page.get_by_label("Sms", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Subscribe").click()
        page.get_by_role("heading", name="Thank you!").wait_for()
        browser_page.shot("adaptive-form-thanks")
        (rewarded,) = api.get(f"/api/decision-points/{POINT}/log").json()["items"]
        contact = api.get("/api/contacts/lookup", params={"email": "dee@acme.io"}).json()
    assert (rewarded["decision_id"], rewarded["reward"]) == (decided["decision_id"], 1.0)
    assert rewarded["contact_id"] == contact["id"]


def test_the_point_follows_the_form(client: TestClient) -> None:
    apply_forms(client, ADAPTIVE)
    client.get("/f/newsletter")
    points = client.get("/api/decision-points").json()["items"]
    assert [(p["key"], p["decisions"]) for p in points] == [(POINT, 1)]
    apply_forms(client)  # no longer adaptive: the point is retired, its log kept
    assert client.get("/api/decision-points").json()["items"] == []
    assert incentive_on(client.get("/f/newsletter").text) == TEXT["prize"]
    assert len(log_rows(client)) == 1


def test_a_point_of_another_owner_is_not_taken_over(client: TestClient) -> None:
    point = {"key": POINT, "options": ["a", "b"], "features": ["page"]}
    apply_points(client, point)
    refused = client.put("/api/config", content=yaml.safe_dump({"decisions": [point]}) + ADAPTIVE)
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["forms[0].incentive_choice"]
    assert client.get(f"/api/decision-points/{POINT}").json()["managed_by"] == "workspace"
    assert client.get("/api/forms").json()["forms"] == []
