"""API keys over REST and the CLI: create (shown once), list, revoke at once everywhere."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from cadence.api.app import create_app
from cadence.cli import app as cli
from cadence.config import Settings
from cadence.db.engine import unit_of_work
from cadence.db.tables import api_keys
from cadence.errors import InputError
from cadence.security import keys
from tests.conftest import ADMIN_KEY, WRITE_KEY
from tests.helpers import wait_for_lock_waiter

runner = CliRunner()
TRACK = {"batch": [{"type": "track", "event": "Signed Up", "userId": "u1"}]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_key(client: TestClient, scope: str, name: str = "ci") -> dict[str, Any]:
    answer = client.post("/api/keys", json={"name": name, "scope": scope})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def key_id(client: TestClient, name: str) -> int:
    found = [k["id"] for k in client.get("/api/keys").json()["items"] if k["name"] == name]
    assert len(found) == 1
    return int(found[0])


def stored_keys(client: TestClient) -> int:
    with unit_of_work(client.app.state.engine, write=False) as uow:  # type: ignore[attr-defined]
        return int(uow.conn.execute(select(func.count()).select_from(api_keys)).scalar_one())


def refused(answer: Any) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "unauthorized"


def test_create_list_and_revoke(client: TestClient) -> None:
    made = new_key(client, "admin", "deploy bot")
    token = made.pop("token")
    assert token.startswith("cad_a_") and made["prefix"] == token[:10]
    assert made["active"] and made["revoked_at"] is None and made["created_at"].endswith("Z")
    assert client.get("/api/keys", headers=bearer(token)).status_code == 200
    listed = {k["id"]: k for k in client.get("/api/keys").json()["items"]}
    assert listed[made["id"]] == made and "token" not in listed[made["id"]]
    assert all(token not in str(k) for k in listed.values())

    revoked = client.delete(f"/api/keys/{made['id']}")
    assert revoked.status_code == 200, revoked.text
    revoked_at = datetime.fromisoformat(revoked.json()["revoked_at"])
    assert revoked_at >= datetime.fromisoformat(made["created_at"])
    assert not revoked.json()["active"]
    refused(client.get("/api/keys", headers=bearer(token)))
    again = client.delete(f"/api/keys/{made['id']}")  # idempotent: unchanged
    assert again.status_code == 200 and again.json() == revoked.json()
    listed = {k["id"]: k for k in client.get("/api/keys").json()["items"]}
    assert listed[made["id"]]["revoked_at"] == revoked.json()["revoked_at"]


@pytest.mark.parametrize("path", ["cli", "other server"])
def test_revocation_elsewhere_is_refused_on_the_next_request(
    client: TestClient, settings: Settings, database_url: str, path: str
) -> None:
    admin = new_key(client, "admin", "ops")
    write = new_key(client, "write", "site")
    assert client.get("/api/keys", headers=bearer(admin["token"])).status_code == 200
    assert client.post("/v1/batch", json=TRACK, auth=(write["token"], "")).status_code == 200
    for key in (admin, write):
        if path == "cli":
            done = runner.invoke(
                cli, ["keys", "revoke", str(key["id"])], env={"CADENCE_DATABASE_URL": database_url}
            )
            assert done.exit_code == 0, done.output
            assert f"key #{key['id']}" in done.output and "revoked" in done.output
        else:
            with TestClient(create_app(settings)) as other:
                gone = other.delete(f"/api/keys/{key['id']}", headers=bearer(ADMIN_KEY))
                assert gone.status_code == 200, gone.text
    refused(client.get("/api/keys", headers=bearer(admin["token"])))
    refused(client.post("/v1/batch", json=TRACK, auth=(write["token"], "")))
    in_body = {**TRACK, "writeKey": write["token"]}
    refused(client.post("/v1/batch", json=in_body, headers={"Authorization": ""}))
    assert client.post("/v1/batch", json=TRACK, auth=(WRITE_KEY, "")).status_code == 200


def test_unknown_or_malformed_id(client: TestClient) -> None:
    missing = client.delete("/api/keys/987654")
    assert missing.status_code == 404
    body = missing.json()
    assert body["code"] == "not_found" and "987654" in body["message"]
    assert body["errors"] == [{"field": "id", "message": "no API key with id 987654"}]
    malformed = client.delete("/api/keys/first")
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "key_id"


def test_the_last_admin_key_stays(client: TestClient, database_url: str) -> None:
    bootstrap = key_id(client, "bootstrap admin")
    last = client.delete(f"/api/keys/{bootstrap}")
    assert last.status_code == 409
    assert last.json()["code"] == "last_admin_key"
    assert last.json()["errors"][0]["field"] == "id"
    assert client.get("/api/keys").status_code == 200  # still works

    second = new_key(client, "admin", "second")
    assert client.delete(f"/api/keys/{bootstrap}").status_code == 200
    refused(client.get("/api/keys"))
    client.headers["Authorization"] = f"Bearer {second['token']}"
    itself = client.delete(f"/api/keys/{second['id']}")
    assert itself.status_code == 409 and str(second["id"]) in itself.json()["message"]
    # revoking a write key never needs an admin check
    write = key_id(client, "bootstrap write")
    assert client.delete(f"/api/keys/{write}").status_code == 200

    # the CLI does not depend on a key: it may revoke the last one, and says what to do
    env = {"CADENCE_DATABASE_URL": database_url}
    done = runner.invoke(cli, ["keys", "revoke", str(second["id"])], env=env)
    assert done.exit_code == 0, done.output
    assert "no active admin key is left" in done.output
    refused(client.get("/api/keys"))
    unknown = runner.invoke(cli, ["keys", "revoke", "987654"], env=env)
    assert unknown.exit_code == 2 and "no API key with id 987654" in unknown.output


def test_revoked_bootstrap_key_stays_revoked_after_a_restart(
    client: TestClient, settings: Settings
) -> None:
    write = key_id(client, "bootstrap write")
    assert client.delete(f"/api/keys/{write}").status_code == 200
    with TestClient(create_app(settings)) as restarted:  # start-up ensures bootstrap keys
        refused(restarted.post("/v1/batch", json=TRACK, auth=(WRITE_KEY, "")))
        assert stored_keys(restarted) == 2


def test_only_admin_keys_manage_keys(client: TestClient) -> None:
    for method, path in (("get", "/api/keys"), ("post", "/api/keys"), ("delete", "/api/keys/1")):
        kwargs: dict[str, Any] = (
            {"json": {"name": "x", "scope": "admin"}} if method == "post" else {}
        )
        wrong = client.request(method.upper(), path, headers=bearer(WRITE_KEY), **kwargs)
        assert wrong.status_code == 403 and wrong.json()["code"] == "forbidden"
        anonymous = client.request(method.upper(), path, headers={"Authorization": ""}, **kwargs)
        refused(anonymous)
    assert stored_keys(client) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scope": "root"}, "scope"),
        ({"name": "", "scope": "admin"}, "name"),
        ({"name": "   ", "scope": "admin"}, "name"),
        ({"name": "x" * 256, "scope": "write"}, "name"),
        ({"scope": "write"}, "name"),
        ({"name": "x", "scope": "write", "token": "mine"}, "token"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/keys", json=body)
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert stored_keys(client) == 2


def test_cli_lists_every_key_with_its_state(client: TestClient, database_url: str) -> None:
    ops = new_key(client, "admin", "ops")
    client.delete(f"/api/keys/{ops['id']}")
    env = {"CADENCE_DATABASE_URL": database_url}
    listed = runner.invoke(cli, ["keys", "list"], env=env).output.splitlines()
    row = next(line for line in listed if "\tops\t" in line)
    assert row.startswith(f"#{ops['id']}\tadmin\t{ops['prefix']}…")
    assert "created 20" in row and "revoked 20" in row
    assert any("bootstrap write" in line and line.endswith("active") for line in listed)
    active = runner.invoke(cli, ["keys", "list", "--active"], env=env).output
    assert "ops" not in active and "bootstrap admin" in active


@hypothesis_settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.sampled_from(["admin", "write"]), st.booleans()), max_size=6))
def test_any_sequence_keeps_an_admin_and_refuses_revoked_keys(
    client: TestClient, steps: list[tuple[str, bool]]
) -> None:
    """Create and revoke keys, then revoke every admin key: exactly one stays, revoked fail."""
    made = [new_key(client, scope, f"p-{i}") for i, (scope, _) in enumerate(steps)]
    for key, (_, revoke) in zip(made, steps, strict=True):
        if revoke:
            assert client.delete(f"/api/keys/{key['id']}").status_code in (200, 409)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    items = client.get("/api/keys").json()["items"]
    admins = [k for k in items if k["scope"] == "admin" and k["active"]]
    acting = next(k for k in admins if k["prefix"] == token[:10])
    for key in admins:
        if key["id"] != acting["id"]:
            assert client.delete(f"/api/keys/{key['id']}").status_code == 200
    assert client.delete(f"/api/keys/{acting['id']}").status_code == 409
    items = client.get("/api/keys").json()["items"]
    assert [k["id"] for k in items if k["scope"] == "admin" and k["active"]] == [acting["id"]]
    state = {k["id"]: k for k in items}
    for key in made:
        works = client.get("/api/keys", headers=bearer(key["token"])).status_code
        if not state[key["id"]]["active"]:
            assert works == 401
        else:
            assert works == (200 if key["scope"] == "admin" else 403)


# SQLite serialises writers (BEGIN IMMEDIATE): only PostgreSQL has overlapping ones
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_revocations_at_once_leave_an_admin_key(client: TestClient) -> None:
    """PostgreSQL: the second revocation waits for the first one's lock, then sees it."""
    second = new_key(client, "admin", "second")
    bootstrap = key_id(client, "bootstrap admin")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    outcome: list[str] = []

    def revoke_other() -> None:
        try:
            with unit_of_work(engine) as uow:
                keys.revoke_key(uow, key_id=second["id"], now=2, keep_an_admin=True)
            outcome.append("revoked")
        except InputError as error:
            outcome.append(error.code)

    with unit_of_work(engine) as first:
        keys.revoke_key(first, key_id=bootstrap, now=1, keep_an_admin=True)
        other = threading.Thread(target=revoke_other)
        other.start()
        wait_for_lock_waiter(first)
    other.join()
    assert outcome == ["last_admin_key"]
    items = client.get("/api/keys", headers=bearer(second["token"])).json()["items"]
    assert [k["id"] for k in items if k["scope"] == "admin" and k["active"]] == [second["id"]]
