"""Sign-in, sessions, throttling, CSRF and roles, driven over HTTP as a browser would."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.api.app import create_app
from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.db.tables import console_sessions, console_users, lifecycle_history
from tests.conftest import ADMIN_KEY

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, add_user, csrf_field, sign_in


def rows(client: TestClient, table: object) -> int:
    with unit_of_work(client.app.state.engine, write=False) as uow:  # type: ignore[attr-defined]
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_bootstrap_admin_is_created_once(settings: Settings) -> None:
    for _ in range(2):  # a second start-up finds the admin and adds nobody
        with TestClient(create_app(settings)) as client:
            assert rows(client, console_users) == 1
            with unit_of_work(client.app.state.engine) as uow:  # type: ignore[attr-defined]
                stored = uow.conn.execute(select(console_users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and ADMIN_PASSWORD not in stored


def test_pages_need_a_session_and_root_leads_to_the_console(app_client: TestClient) -> None:
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/console"
    answer = app_client.get("/console/contacts?q=ada", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/console/contacts%3Fq%3Dada"
    preview = app_client.post("/console/api/segments/preview", json={"condition": "x"})
    assert preview.status_code == 401 and preview.json()["code"] == "unauthorized"


def test_sign_in_sets_a_protected_cookie_and_sign_out_ends_the_session(
    app_client: TestClient,
) -> None:
    answer = sign_in(app_client, ADMIN_EMAIL.upper(), ADMIN_PASSWORD)  # emails ignore case
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    home = app_client.get("/console")
    assert home.status_code == 200 and "Dashboard" in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'none'")
    out = app_client.post("/logout", data={"csrf": csrf_field(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert rows(app_client, console_sessions) == 0
    assert app_client.get("/console", follow_redirects=False).status_code == 303


def test_cookie_is_secure_behind_https(database_url: str, settings: Settings) -> None:
    secure = settings.model_copy(update={"base_url": "https://cadence.example.com"})
    with TestClient(create_app(secure)) as client:
        answer = sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert "secure" in answer.headers["set-cookie"].lower()


def test_next_only_leads_inside_the_console(app_client: TestClient) -> None:
    form = app_client.get("/login?next=//evil.example/console")
    assert 'name="next" value="/console"' in form.text
    answer = app_client.post(
        "/login",
        data={
            "csrf": csrf_field(form.text),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console"


def test_wrong_passwords_are_throttled(app_client: TestClient) -> None:
    for _ in range(5):
        answer = sign_in(app_client, ADMIN_EMAIL, "not the password at all")
        assert answer.status_code == 401 and "Wrong email or password" in answer.text
    locked = sign_in(app_client, ADMIN_EMAIL, ADMIN_PASSWORD)  # even the right one waits
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert rows(app_client, console_sessions) == 0
    unknown = sign_in(app_client, "nobody@example.com", "whatever it is here")
    assert unknown.status_code == 401  # same answer for an unknown email


def test_login_form_without_its_token_is_refused(app_client: TestClient) -> None:
    app_client.get("/login")
    answer = app_client.post(
        "/login",
        data={"csrf": "0" * 64, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and rows(app_client, console_sessions) == 0


def mql(client: TestClient) -> int:
    """A contact the lifecycle report counts as an MQL (moved there by a CRM-style action)."""
    api = {"Authorization": f"Bearer {ADMIN_KEY}"}
    created = client.post(
        "/api/contacts", json={"email": "lead@example.com", "traits": {}}, headers=api
    )
    contact_id: int = created.json()["id"]
    with unit_of_work(client.app.state.engine) as uow:  # type: ignore[attr-defined]
        from sqlalchemy import update

        from cadence.db.tables import contacts

        uow.conn.execute(
            update(contacts).where(contacts.c.id == contact_id).values(lifecycle_stage="mql")
        )
    return contact_id


def test_forms_without_the_session_token_change_nothing(admin: TestClient) -> None:
    contact_id = mql(admin)
    before = rows(admin, lifecycle_history)
    for token in ("", "f" * 64):
        answer = admin.post(
            f"/console/contacts/{contact_id}/lifecycle",
            data={"csrf": token, "action": "accept"},
        )
        assert answer.status_code == 403 and "security token" in answer.text
    assert rows(admin, lifecycle_history) == before


@pytest.mark.parametrize("role", ["read-only", "marketer"])
def test_roles_without_lead_rights_cannot_accept_mqls(app_client: TestClient, role: str) -> None:
    contact_id = mql(app_client)
    sign_in(app_client, add_user(app_client, role=role), PASSWORD)
    page = app_client.get(f"/console/contacts/{contact_id}")
    assert "Accept MQL" not in page.text
    answer = app_client.post(
        f"/console/contacts/{contact_id}/lifecycle",
        data={"csrf": csrf_field(page.text), "action": "accept"},
    )
    assert answer.status_code == 403 and f"({role}) may not act on leads" in answer.text
    assert rows(app_client, lifecycle_history) == 0


def test_sales_accepts_and_rejects_mqls(app_client: TestClient) -> None:
    contact_id = mql(app_client)
    sign_in(app_client, add_user(app_client, role="sales"), PASSWORD)
    page = app_client.get(f"/console/contacts/{contact_id}")
    assert "Accept MQL" in page.text
    token = csrf_field(page.text)
    no_reason = app_client.post(
        f"/console/contacts/{contact_id}/lifecycle", data={"csrf": token, "action": "reject"}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    done = app_client.post(
        f"/console/contacts/{contact_id}/lifecycle",
        data={"csrf": token, "action": "accept"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    lifecycle = app_client.get(
        f"/api/contacts/{contact_id}/lifecycle", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ).json()["items"]
    assert lifecycle[-1]["to"] == "sql" and lifecycle[-1]["by"] == "console:sales@example.com"


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("marketer", "/console/settings/users", {"email": "x@example.com", "role": "admin"}),
        ("marketer", "/console/settings/keys", {"name": "k", "scope": "admin"}),
        ("sales", "/console/settings/workspace", {"document": "segments: []", "step": "apply"}),
        ("read-only", "/console/segments/any", {"condition": "trait: x"}),
    ],
)
def test_only_allowed_roles_change_settings(
    app_client: TestClient, role: str, path: str, data: dict[str, str]
) -> None:
    sign_in(app_client, add_user(app_client, role=role), PASSWORD)
    token = csrf_field(app_client.get("/console/settings").text)
    users_before = rows(app_client, console_users)
    answer = app_client.post(path, data={"csrf": token, "password": PASSWORD * 2, **data})
    assert answer.status_code == 403, answer.text
    assert rows(app_client, console_users) == users_before


def test_admin_adds_users_and_keys(admin: TestClient) -> None:
    token = csrf_field(admin.get("/console/settings").text)
    bad = admin.post(
        "/console/settings/users",
        data={"csrf": token, "email": "no-at-sign", "name": "", "role": "boss", "password": "x"},
    )
    assert bad.status_code == 422
    for field in ("email:", "role:", "name:", "password:"):
        assert field in bad.text
    made = admin.post(
        "/console/settings/users",
        data={
            "csrf": token,
            "email": "mia@example.com",
            "name": "Mia",
            "role": "sales",
            "password": PASSWORD,
        },
    )
    assert made.status_code == 200 and "mia@example.com" in made.text
    key = admin.post(
        "/console/settings/keys", data={"csrf": token, "name": "crm", "scope": "admin"}
    )
    token_text = key.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    listed = admin.get("/api/contacts", headers={"Authorization": f"Bearer {token_text}"})
    assert listed.status_code == 200


def test_sessions_end_when_they_expire(app_client: TestClient) -> None:
    from cadence.console import service

    with unit_of_work(app_client.app.state.engine) as uow:  # type: ignore[attr-defined]
        user = service.find_user(uow, email=ADMIN_EMAIL)
        assert user is not None
        token = service.open_session(uow, user_id=user.id, now=1_000, hours=1)
        assert service.session_viewer(uow, token=token, now=1_000 + 3_599_999) is not None
        assert service.session_viewer(uow, token=token, now=1_000 + 3_600_000) is None
        assert service.session_viewer(uow, token=token + "x", now=1_000) is None
