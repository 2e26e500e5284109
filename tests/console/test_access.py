"""Access management in the console: revoking API keys, roles, deactivation, passwords."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.console import service
from cadence.db.engine import unit_of_work
from cadence.db.tables import api_keys, console_sessions, console_users
from cadence.errors import InputError
from tests.conftest import WRITE_KEY
from tests.helpers import wait_for_lock_waiter

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, add_user, csrf_field, sign_in

TRACK = {"batch": [{"type": "track", "event": "Signed Up", "userId": "u1"}]}
NEW_PASSWORD = "a brand new long passphrase"


def post(client: TestClient, path: str, *, csrf: bool = True, **data: str) -> Any:
    """Submit a settings form as the browser would, with the page's CSRF token."""
    token = csrf_field(client.get("/console/settings").text) if csrf else ""
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def browser(client: TestClient) -> TestClient:
    """Another browser (its own cookies) on the same running application."""
    return TestClient(client.app)


def user_id(client: TestClient, email: str) -> int:
    with unit_of_work(client.app.state.engine, write=False) as uow:  # type: ignore[attr-defined]
        return int(
            uow.conn.scalar(select(console_users.c.id).where(console_users.c.email == email))
        )


def scalar(client: TestClient, query: Any) -> Any:
    with unit_of_work(client.app.state.engine, write=False) as uow:  # type: ignore[attr-defined]
        return uow.conn.scalar(query)


def sessions_of(client: TestClient, uid: int) -> int:
    count = select(func.count()).where(console_sessions.c.user_id == uid)
    return int(scalar(client, count))


def test_revoking_a_key_in_the_console_refuses_it_at_once(admin: TestClient) -> None:
    write_id = scalar(admin, select(api_keys.c.id).where(api_keys.c.name == "bootstrap write"))
    assert admin.post("/v1/batch", json=TRACK, auth=(WRITE_KEY, "")).status_code == 200
    forged = post(admin, f"/console/settings/keys/{write_id}/revoke", csrf=False)
    assert forged.status_code == 403
    assert admin.post("/v1/batch", json=TRACK, auth=(WRITE_KEY, "")).status_code == 200

    done = post(admin, f"/console/settings/keys/{write_id}/revoke")
    assert done.status_code == 303 and "revoked" in done.headers["location"]
    refused = admin.post("/v1/batch", json=TRACK, auth=(WRITE_KEY, ""))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    page = admin.get("/console/settings").text
    row = page[page.index(f'id="key-{write_id}"') :].split("</tr>")[0]
    assert "revoked 20" in row and "Revoke" not in row

    missing = post(admin, "/console/settings/keys/987654/revoke")
    assert missing.status_code == 404 and "id: no API key with id 987654" in missing.text


def test_only_admins_revoke_keys_and_manage_users(admin: TestClient) -> None:
    add_user(admin, role="marketer")
    target = user_id(admin, ADMIN_EMAIL)
    other = browser(admin)
    assert sign_in(other, "marketer@example.com", PASSWORD).status_code == 303
    page = other.get("/console/settings").text
    assert "Revoke" not in page and "Deactivate" not in page and "Change my password" in page
    write_id = scalar(admin, select(api_keys.c.id).where(api_keys.c.name == "bootstrap write"))
    for path, data in (
        (f"/console/settings/keys/{write_id}/revoke", {}),
        (f"/console/settings/users/{target}/role", {"role": "read-only"}),
        (f"/console/settings/users/{target}/active", {"active": "no"}),
        (f"/console/settings/users/{target}/password", {"password": NEW_PASSWORD}),
    ):
        answer = post(other, path, **data)
        assert answer.status_code == 403 and "may not" in answer.text
    assert scalar(admin, select(api_keys.c.revoked_at).where(api_keys.c.id == write_id)) is None
    assert sign_in(browser(admin), ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303


def test_changing_a_role_takes_effect_on_the_next_page(admin: TestClient) -> None:
    add_user(admin, role="read-only")
    uid = user_id(admin, "read-only@example.com")
    other = browser(admin)
    sign_in(other, "read-only@example.com", PASSWORD)
    assert "Add user" not in other.get("/console/settings").text

    bad = post(admin, f"/console/settings/users/{uid}/role", role="owner")
    assert bad.status_code == 422 and "role: must be one of" in bad.text
    forged = post(admin, f"/console/settings/users/{uid}/role", csrf=False, role="admin")
    assert forged.status_code == 403
    unknown = post(admin, "/console/settings/users/987654/role", role="admin")
    assert unknown.status_code == 404 and "user: no user with id 987654" in unknown.text

    done = post(admin, f"/console/settings/users/{uid}/role", role="admin")
    assert done.status_code == 303
    assert "Add user" in other.get("/console/settings").text  # same session, new role


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(admin: TestClient) -> None:
    boss = user_id(admin, ADMIN_EMAIL)
    demote = post(admin, f"/console/settings/users/{boss}/role", role="marketer")
    assert demote.status_code == 409
    assert f"role: {ADMIN_EMAIL} is the last active admin and cannot be demoted" in demote.text
    off = post(admin, f"/console/settings/users/{boss}/active", active="no")
    assert off.status_code == 409 and "active: " in off.text and "deactivated" in off.text
    odd = post(admin, f"/console/settings/users/{boss}/active", active="maybe")
    assert odd.status_code == 422 and "active: must be yes or no" in odd.text
    assert scalar(admin, select(console_users.c.role).where(console_users.c.id == boss)) == "admin"

    # an inactive admin does not count: it cannot sign in to fix anything
    add_user(admin, role="admin", email="second@example.com")
    second = user_id(admin, "second@example.com")
    assert post(admin, f"/console/settings/users/{second}/active", active="no").status_code == 303
    assert post(admin, f"/console/settings/users/{boss}/role", role="sales").status_code == 409
    assert post(admin, f"/console/settings/users/{second}/active", active="yes").status_code == 303
    assert post(admin, f"/console/settings/users/{boss}/role", role="sales").status_code == 303
    assert "Add user" not in admin.get("/console/settings").text  # the boss is sales now


def test_deactivation_ends_sessions_at_once_and_reactivation_allows_sign_in(
    admin: TestClient,
) -> None:
    add_user(admin, role="marketer")
    uid = user_id(admin, "marketer@example.com")
    other = browser(admin)
    sign_in(other, "marketer@example.com", PASSWORD)
    assert other.get("/console", follow_redirects=False).status_code == 200
    assert post(admin, f"/console/settings/users/{uid}/active", active="no").status_code == 303
    assert sessions_of(admin, uid) == 0
    assert other.get("/console", follow_redirects=False).status_code == 303
    assert sign_in(browser(admin), "marketer@example.com", PASSWORD).status_code == 401
    assert "inactive" in admin.get("/console/settings").text
    assert post(admin, f"/console/settings/users/{uid}/active", active="yes").status_code == 303
    assert sign_in(browser(admin), "marketer@example.com", PASSWORD).status_code == 303


def test_an_admin_sets_a_new_password_and_the_users_sessions_end(admin: TestClient) -> None:
    add_user(admin, role="sales")
    uid = user_id(admin, "sales@example.com")
    other = browser(admin)
    sign_in(other, "sales@example.com", PASSWORD)
    short = post(admin, f"/console/settings/users/{uid}/password", password="short")
    assert short.status_code == 422 and "password: must have at least 12 characters" in short.text
    assert other.get("/console", follow_redirects=False).status_code == 200  # nothing changed

    done = post(admin, f"/console/settings/users/{uid}/password", password=NEW_PASSWORD)
    assert done.status_code == 303
    assert other.get("/console", follow_redirects=False).status_code == 303
    assert sign_in(browser(admin), "sales@example.com", PASSWORD).status_code == 401
    assert sign_in(browser(admin), "sales@example.com", NEW_PASSWORD).status_code == 303
    assert admin.get("/console", follow_redirects=False).status_code == 200


def test_every_user_changes_their_own_password(admin: TestClient) -> None:
    add_user(admin, role="read-only")
    uid = user_id(admin, "read-only@example.com")
    mine, elsewhere = browser(admin), browser(admin)
    sign_in(mine, "read-only@example.com", PASSWORD)
    sign_in(elsewhere, "read-only@example.com", PASSWORD)
    wrong = post(
        mine, "/console/settings/password", current_password="nope", new_password=NEW_PASSWORD
    )
    assert wrong.status_code == 422 and "current_password: is not your current password" in (
        wrong.text
    )
    short = post(mine, "/console/settings/password", current_password=PASSWORD, new_password="x")
    assert short.status_code == 422 and "new_password: must have at least 12" in short.text
    same = post(
        mine, "/console/settings/password", current_password=PASSWORD, new_password=PASSWORD
    )
    assert same.status_code == 422 and "new_password: must differ" in same.text
    forged = post(
        mine,
        "/console/settings/password",
        csrf=False,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
    )
    assert forged.status_code == 403
    assert sessions_of(admin, uid) == 2

    done = post(
        mine, "/console/settings/password", current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    assert done.status_code == 303 and "password+was+changed" in done.headers["location"]
    assert mine.get("/console", follow_redirects=False).status_code == 200  # this session stays
    assert elsewhere.get("/console", follow_redirects=False).status_code == 303  # others end
    assert sessions_of(admin, uid) == 1
    assert sign_in(browser(admin), "read-only@example.com", NEW_PASSWORD).status_code == 303


# SQLite serialises writers (BEGIN IMMEDIATE): only PostgreSQL has overlapping ones
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_admins_demoting_each_other_at_once_leave_one(admin: TestClient) -> None:
    """PostgreSQL: the second demotion waits for the first one's lock, then sees it."""
    add_user(admin, role="admin", email="second@example.com")
    boss, second = user_id(admin, ADMIN_EMAIL), user_id(admin, "second@example.com")
    engine = admin.app.state.engine  # type: ignore[attr-defined]
    outcome: list[str] = []

    def demote_boss() -> None:
        try:
            with unit_of_work(engine) as uow:
                service.change_role(uow, user_id=boss, role="marketer")
            outcome.append("demoted")
        except InputError as error:
            outcome.append(error.code)

    with unit_of_work(engine) as first:
        service.change_role(first, user_id=second, role="marketer")
        other = threading.Thread(target=demote_boss)
        other.start()
        wait_for_lock_waiter(first)
    other.join()
    assert outcome == ["last_admin"]
    admins = select(console_users.c.email).where(console_users.c.role == "admin")
    assert scalar(admin, admins) == ADMIN_EMAIL
