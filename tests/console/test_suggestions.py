"""The dashboard on the small demo data set: every suggestion shown, one-click apply by a
marketer (recorded with who did it), refused for read-only users; the dashboard's figures
against the REST reports."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.db.engine import unit_of_work
from cadence.db.tables import suggestion_actions
from cadence.insights.service import suggestions
from cadence.runtime import now_millis
from tests.conftest import ADMIN_KEY

from .conftest import PASSWORD, add_user, csrf_field, load_small_demo, sign_in

API = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_dashboard_shows_the_reports_and_applies_a_suggestion(app_client: TestClient) -> None:
    engine = app_client.app.state.engine  # type: ignore[attr-defined]
    load_small_demo(engine)
    with unit_of_work(engine, write=False) as uow:
        found = suggestions(uow, now=now_millis())
    sign_in(app_client, add_user(app_client, role="read-only"), PASSWORD)
    home = app_client.get("/console")
    assert home.status_code == 200
    for suggestion in found:
        assert f"<h3>{suggestion.title}</h3>" in home.text.replace("&#39;", "'")
    matrix = app_client.get("/api/leads/matrix", headers=API).json()["cells"]
    for cell, count in matrix.items():
        assert f'aria-label="{cell}: {count} contacts"' in home.text
    choices = app_client.get("/api/reports/preferences", headers=API).json()["counts"]
    assert f"<td>{choices['paused']}</td>" in home.text
    listed = [s for s in found if s.apply is not None and s.apply.action != "assign_owner"]
    assert listed, "the demo data should trigger a suggestion with a one-click action"
    chosen = listed[0]
    refused = app_client.post(
        "/console/suggestions/apply",
        data={"csrf": csrf_field(home.text), "suggestion": chosen.id},
    )
    assert refused.status_code == 403

    sign_in(app_client, add_user(app_client, role="marketer"), PASSWORD)
    home = app_client.get("/console")
    done = app_client.post(
        "/console/suggestions/apply",
        data={"csrf": csrf_field(home.text), "suggestion": chosen.id},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/console?applied=")
    with unit_of_work(engine, write=False) as uow:
        rows = uow.conn.execute(select(suggestion_actions)).all()
    assert [(r.suggestion_id, r.actor) for r in rows] == [
        (chosen.id, "console:marketer@example.com")
    ]
    gone = app_client.post(
        "/console/suggestions/apply",
        data={"csrf": csrf_field(home.text), "suggestion": "no-such:thing"},
    )
    assert gone.status_code == 404
