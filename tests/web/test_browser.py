"""A real headless chromium driving the preference center and one-click unsubscribe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_KEY

from .conftest import BrowserPage

WORDING = "Yes, text me {topic}. I can stop at any time."


@pytest.fixture
def api(live_server: str) -> Any:
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        yield c


def contact_with_consent(api: httpx.Client, email: str, **traits: Any) -> int:
    created = api.post("/api/contacts", json={"email": email, "traits": traits})
    assert created.status_code == 201, created.text
    contact_id: int = created.json()["id"]
    for topic, frequency in (("offers", "weekly"), ("news", None)):
        body = {
            "channel": "sms",
            "topic": topic,
            "status": "granted",
            "basis": "express",
            "wording": WORDING.format(topic=topic),
            "frequency": frequency,
        }
        assert api.post(f"/api/contacts/{contact_id}/consents", json=body).status_code == 201
    return contact_id


def state(api: httpx.Client, contact_id: int) -> dict[str, Any]:
    rows = api.get(f"/api/contacts/{contact_id}/consents").json()["consents"]
    return {f"{r['channel']}:{r['topic']}": r for r in rows}


def test_preference_center_in_a_real_browser(api: httpx.Client, browser_page: BrowserPage) -> None:
    contact_id = contact_with_consent(api, "rio@example.org", first_name="Rio")
    url = api.get(f"/api/contacts/{contact_id}/links").json()["preference_center"]
    page = browser_page.page
    page.goto(url)
    assert page.title() == "Your preferences"
    assert page.get_by_label("Send me offers by sms").is_checked()
    assert page.get_by_label("Send me events by sms").is_checked() is False
    browser_page.shot("opened")

    # keyboard only: tab to the first checkbox of the page and tick it with the space bar
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "sub-email-news"
    page.keyboard.press("Space")
    assert page.get_by_label("Send me news by email").is_checked()

    page.get_by_label("Send me news by sms").uncheck()
    page.get_by_label("Offers", exact=True).select_option("monthly")
    page.get_by_label("Pause everything for 30 days").check()
    page.get_by_label("First name").fill("Rio Maria")
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url("**?done=saved*")
    assert page.get_by_role("status").inner_text().startswith("Your choices are saved.")
    assert "confirm it" in page.get_by_role("status").inner_text()  # email needs double opt-in
    browser_page.shot("saved")

    rows = state(api, contact_id)
    assert rows["sms:offers"]["frequency"] == "monthly" and rows["sms:offers"]["paused"] is True
    assert rows["sms:news"]["status"] == "withdrawn"
    assert rows["email:news"]["status"] == "pending"
    assert api.get(f"/api/contacts/{contact_id}").json()["traits"]["first_name"] == "Rio Maria"
    report = api.get("/api/reports/preferences").json()
    assert report["counts"]["reduced_frequency"] == 1 and report["counts"]["paused"] == 1


def test_phone_layout_and_one_click_unsubscribe(
    api: httpx.Client, browser_page: BrowserPage
) -> None:
    contact_id = contact_with_consent(api, "sol@example.org")
    links = api.get(f"/api/contacts/{contact_id}/links").json()
    page = browser_page.page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(links["unsubscribe"]["sms"]["offers"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert state(api, contact_id)["sms:offers"]["status"] == "granted"  # GET changed nothing
    browser_page.shot("unsubscribe-phone")
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    browser_page.shot("unsubscribed-phone")
    rows = state(api, contact_id)
    assert rows["sms:offers"]["status"] == "withdrawn"
    assert rows["sms:news"]["status"] == "granted"
    page.get_by_role("link", name="My preferences").click()
    assert page.get_by_label("Send me offers by sms").is_checked() is False


def test_tampered_link_shows_a_clear_error(api: httpx.Client, browser_page: BrowserPage) -> None:
    contact_id = contact_with_consent(api, "tom@example.org")
    url = api.get(f"/api/contacts/{contact_id}/links").json()["preference_center"]
    head, token = url.rsplit("/", 1)
    payload, signature = token.split(".")
    page = browser_page.page
    browser_page.expect_error("status of 400")  # the page itself answers 400, on purpose
    response = page.goto(f"{head}/{payload}.{signature[:-2]}AA")
    assert response is not None and response.status == 400
    assert page.get_by_role("heading").inner_text() == "This link is not valid"
    browser_page.shot("tampered")


def test_subscribe_form_in_a_real_browser(api: httpx.Client, browser_page: BrowserPage) -> None:
    from .formhelp import FORMS

    assert api.put("/api/config", content=FORMS.encode()).status_code == 200
    url = api.get("/api/forms").json()["forms"][0]["url"]
    page = browser_page.page
    page.goto(f"{url}?utm_source=linkedin")
    assert page.locator(".incentive").inner_text().startswith("Free guide")
    assert page.evaluate("getComputedStyle(document.querySelector('.hp')).position") == "absolute"
    browser_page.shot("form")
    with page.expect_navigation():
        page.get_by_role("button", name="Subscribe").click()  # nothing filled in
    assert page.get_by_role("alert").inner_text().startswith("Please check the form")
    browser_page.expect_error("status of 400")  # the form answers 400 with its errors
    browser_page.shot("form-errors")
    page.get_by_label("Email address").fill("uma@acme.io")
    page.get_by_label("News").check()
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("How often").select_option("monthly")
    with page.expect_navigation():
        page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    assert "Confirm your subscription" in page.content()
    browser_page.shot("form-thanks")
    contact = api.get("/api/contacts/lookup", params={"email": "uma@acme.io"}).json()
    rows = api.get(f"/api/contacts/{contact['id']}/consents").json()["consents"]
    assert [(r["channel"], r["topic"], r["status"], r["frequency"]) for r in rows] == [
        ("email", "news", "pending", "monthly")
    ]
    report = api.get("/api/reports/forms").json()["rows"]
    assert [(r["incentive"], r["audience"], r["optins"]) for r in report] == [
        ("guide", "social", 1)
    ]
