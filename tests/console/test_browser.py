"""Every console page in a real headless chromium, signed in, on the small demo data set:
no page logs an error, each leaves a screenshot under test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts
from tests.conftest import ADMIN_KEY

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, BrowserPage, load_small_demo

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def demo_server(engine: Engine, live_server: str) -> str:
    load_small_demo(engine)
    return live_server


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/console")
    assert "/login?next=/console" in page.url
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def visit(browser_page: BrowserPage, url: str, label: str) -> Any:
    page = browser_page.page
    page.goto(url)
    path = browser_page.shot(label)
    print(f"screenshot: {path}")
    return page


def test_every_page_renders_without_errors(demo_server: str, browser_page: BrowserPage) -> None:
    base, page = demo_server, browser_page.page
    sign_in(page, base)
    page.locator("canvas[data-chart]").nth(3).wait_for()
    # Chart.js drew into each canvas (it sets the canvas' pixel size when it renders)
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))"
    )
    assert drawn
    assert page.locator("#heat a").count() == 25
    browser_page.shot("dashboard")

    visit(browser_page, f"{base}/console/contacts", "contacts")
    assert page.locator("table.list tbody tr").count() > 10
    page.get_by_label("Search by name, email or company").fill("a")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=a")
    first = page.locator("table.list tbody tr td a").first
    first.click()
    page.wait_for_url(re.compile(r".*/console/contacts/\d+$"))
    assert page.get_by_role("heading", name="Score, rule by rule").is_visible()
    assert page.locator("#timeline li").count() >= 1
    browser_page.shot("contact")

    visit(browser_page, f"{base}/console/segments", "segments")
    assert page.locator("#segments svg.spark").count() >= 5
    page.locator("#segments tbody a").first.click()
    page.wait_for_selector("#preview-count.ok")
    browser_page.shot("segment")

    visit(browser_page, f"{base}/console/journeys", "journeys")
    assert page.get_by_role("heading", name="Decision points").is_visible()
    journeys = page.locator("#journeys tbody a")
    if journeys.count():  # the demo workspace may define journeys
        journeys.first.click()
        page.wait_for_selector("#journey-graph")
        browser_page.shot("journey")

    visit(browser_page, f"{base}/console/messages", "messages")
    with httpx.Client(headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as api:
        someone = api.get(f"{base}/api/contacts", params={"limit": 1}).json()["items"][0]["id"]
    page.get_by_label("Message").select_option("monthly-digest")
    page.get_by_label("Contact id").fill(str(someone))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#preview")
    assert page.locator("#preview-subject").inner_text().endswith("your monthly digest")
    browser_page.shot("message-preview")

    visit(browser_page, f"{base}/console/settings", "settings")
    assert page.locator("#users").inner_text().count(ADMIN_EMAIL) == 1

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login")


def test_heat_map_cell_opens_its_contacts(
    demo_server: str, browser_page: BrowserPage, engine: Engine
) -> None:
    base, page = demo_server, browser_page.page
    sign_in(page, base)
    with httpx.Client(headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as api:
        cells = api.get(f"{base}/api/leads/matrix").json()["cells"]
    busiest = max(cells, key=lambda k: cells[k])
    page.get_by_label(f"{busiest}: {cells[busiest]} contacts").click()
    page.wait_for_url(f"**cell={busiest}")
    browser_page.shot("heat-cell")
    shown = {
        int(href.rsplit("/", 1)[1])
        for href in page.locator("table.list tbody a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    }
    with unit_of_work(engine, write=False) as uow:
        c = contacts.c
        expected = set(
            uow.conn.scalars(
                select(c.id).where(
                    c.grade == busiest[0], c.band == int(busiest[1]), c.merged_into.is_(None)
                )
            )
        )
    assert shown == expected and len(shown) == cells[busiest]


def test_segment_editor_counts_live(demo_server: str, browser_page: BrowserPage) -> None:
    base, page = demo_server, browser_page.page
    sign_in(page, base)
    page.goto(f"{base}/console/segments/lapsed-customers")
    page.wait_for_selector("#preview-count.ok")
    editor = page.get_by_label("Condition (YAML)")
    condition = {"field": "purchases.count", "op": "gte", "value": 1}
    with httpx.Client(headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as api:
        expected = api.post(
            f"{base}/api/segments/preview", json={"condition": condition, "sample": 0}
        ).json()["count"]
    editor.fill("field: purchases.count\nop: gte\nvalue: 1\n")
    shown = re.compile(rf"^{expected} contact\(s\) match now$")
    page.locator("#preview-count", has_text=shown).wait_for()
    editor.fill("field: nonsense.field\nop: gte\nvalue: 0\n")
    page.wait_for_selector("#preview-count.problem")
    browser_page.expect_error("400 (Bad Request)")  # the live check's refused draft
    browser_page.shot("segment-invalid")


def test_settings_manage_keys_users_and_passwords(
    live_server: str, browser_page: BrowserPage
) -> None:
    base, page = live_server, browser_page.page
    sign_in(page, base)
    page.goto(f"{base}/console/settings")

    page.get_by_label("Key name").fill("browser bot")
    page.get_by_label("Key scope").select_option("write")
    page.get_by_role("button", name="Create key").click()
    token = page.locator("#new-token").inner_text()
    track = {"batch": [{"type": "track", "event": "Clicked", "userId": "b1"}]}
    assert httpx.post(f"{base}/v1/batch", json=track, auth=(token, "")).status_code == 200
    page.get_by_role("button", name=re.compile(r"^Revoke key \d+ \(browser bot\)$")).click()
    page.wait_for_url("**done=key*revoked")
    row = page.locator("#keys tr", has_text="browser bot")
    assert "revoked" in row.inner_text() and row.get_by_role("button").count() == 0
    assert httpx.post(f"{base}/v1/batch", json=track, auth=(token, "")).status_code == 401

    page.get_by_label("Email", exact=True).fill("robin@example.com")
    page.get_by_label("Name", exact=True).fill("Robin")
    page.get_by_label("Role", exact=True).select_option("read-only")
    page.get_by_label("Password (at least 12 characters)", exact=True).fill(
        "robin's long passphrase"
    )
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url("**done=user+added")
    page.get_by_label("Role of robin@example.com", exact=True).select_option("sales")
    page.get_by_role("button", name="Change role of robin@example.com").click()
    page.wait_for_url("**done=*sales")
    assert "sales" in page.locator("#users tr", has_text="robin@example.com").inner_text()
    page.get_by_role("button", name="Deactivate robin@example.com").click()
    page.wait_for_url("**deactivated")
    page.get_by_role("button", name="Reactivate robin@example.com").click()
    page.wait_for_url("**reactivated")
    page.get_by_label("New password for robin@example.com").fill("a fresh long passphrase")
    page.get_by_role("button", name="Set password of robin@example.com").click()
    page.wait_for_url("**sessions+ended")

    own = page.get_by_role("button", name="Deactivate boss@example.com")
    own.click()  # the only admin: refused, with the field named
    assert (
        "active: boss@example.com is the last active admin"
        in page.locator("p.problem").inner_text()
    )
    browser_page.expect_error("409 (Conflict)")  # the refused form's answer
    page.get_by_label("Current password").fill(ADMIN_PASSWORD)
    page.get_by_label("New password (at least 12 characters)").fill("the boss's new passphrase")
    page.get_by_role("button", name="Change my password").click()
    page.wait_for_url("**password+was+changed*")
    browser_page.shot("settings-access")
