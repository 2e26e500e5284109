"""The REST API for contacts: create, update, page, export and erase."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cadence.db.tables import contacts, events, identities, suppressions
from tests.helpers import call, contact_by, send


def count(client: TestClient, table: object) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_create_and_update_traits_through_the_pipeline(client: TestClient) -> None:
    created = client.post(
        "/api/contacts", json={"email": "New@Example.org", "traits": {"first_name": "Nia"}}
    )
    assert created.status_code == 201
    contact = created.json()
    assert contact["email"] == "new@example.org"
    updated = client.patch(
        f"/api/contacts/{contact['id']}", json={"traits": {"job_title": "VP Sales"}}
    )
    assert updated.json()["traits"] == {
        "email": "New@Example.org",
        "first_name": "Nia",
        "job_title": "VP Sales",
    }
    refused = client.patch(f"/api/contacts/{contact['id']}", json={"traits": {"email": "nope"}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "traits.email"
    unknown = client.patch(f"/api/contacts/{contact['id']}", json={"trait": {}})
    assert unknown.status_code == 400
    assert client.post("/api/contacts", json={"traits": {}}).status_code == 400


def test_contacts_page_with_cursor(client: TestClient) -> None:
    send(
        client,
        *[call("identify", userId=f"p{i}", traits={"email": f"p{i}@x.io"}) for i in range(7)],
    )
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/contacts", params=params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))
    assert seen == sorted(seen)
    found = client.get("/api/contacts", params={"q": "p3@"}).json()["items"]
    assert [c["user_id"] for c in found] == ["p3"]


def test_events_page_newest_first(client: TestClient) -> None:
    send(
        client,
        *[
            call("track", userId="e1", event=f"E{i}", timestamp=f"2026-01-0{i + 1}T00:00:00Z")
            for i in range(5)
        ],
    )
    contact = contact_by(client, user_id="e1")
    first = client.get(f"/api/contacts/{contact['id']}/events", params={"limit": 2}).json()
    second = client.get(
        f"/api/contacts/{contact['id']}/events",
        params={"limit": 10, "cursor": first["next_cursor"]},
    ).json()
    assert [e["name"] for e in first["items"] + second["items"]] == ["E4", "E3", "E2", "E1", "E0"]
    assert second["next_cursor"] is None


def test_export_holds_everything_and_erase_removes_it(client: TestClient) -> None:
    send(
        client,
        call("page", anonymousId="g-a", properties={"path": "/"}),
        call("identify", userId="g1", anonymousId="g-a", traits={"email": "gdpr@x.io"}),
        call("group", userId="g1", groupId="g-co"),
    )
    contact = contact_by(client, user_id="g1")
    export = client.get(f"/api/contacts/{contact['id']}/export").json()
    assert export["contact"]["email"] == "gdpr@x.io"
    assert {i["kind"] for i in export["identities"]} == {"user_id", "anonymous_id", "email"}
    assert len(export["events"]) == 3
    erased = client.delete(f"/api/contacts/{contact['id']}").json()
    assert erased == {"erased": True, "contacts": 1, "suppressed_emails": 1}
    assert client.get(f"/api/contacts/{contact['id']}").status_code == 404
    assert client.get("/api/contacts/lookup", params={"email": "gdpr@x.io"}).status_code == 404
    assert count(client, events) == 0
    assert count(client, identities) == 0
    assert count(client, contacts) == 0
    assert count(client, suppressions) == 1
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(select(suppressions.c.email_hash)).scalar_one()
    assert "gdpr" not in stored
    upload = client.post(
        "/api/imports/contacts",
        files={
            "file": (
                "c.csv",
                io.BytesIO(b"email,first_name\ngdpr@x.io,Again\nok@x.io,Fine\n"),
                "text/csv",
            )
        },
    ).json()
    assert upload["imported"] == 1
    assert upload["errors"] == [
        {"line": 2, "reason": "email is on the suppression list (erased, bounced or complained)"}
    ]


def test_csv_import_reports_every_bad_row_and_keeps_the_rest(client: TestClient) -> None:
    csv_text = (
        "Email,First Name,Company Name,Internal\n"
        "ann@x.io,Ann,Acme,zz\n"
        "not-an-email,Bob,Acme,zz\n"
        ",NoEmail,Acme,zz\n"
        "cy@x.io,Cy\n"
        "\n"
        "dee@x.io,Dee,Globex,zz\n"
    )
    response = client.post(
        "/api/imports/contacts",
        files={"file": ("c.csv", io.BytesIO(csv_text.encode()), "text/csv")},
        data={"mapping": '{"Company Name": "company", "Internal": "-"}'},
    )
    report = response.json()
    assert report["rows"] == 5
    assert report["imported"] == 2
    assert [e["line"] for e in report["errors"]] == [3, 4, 5]
    assert "not an email" in report["errors"][0]["reason"]
    assert report["errors"][2]["reason"] == "expected 4 columns, found 2"
    ann = contact_by(client, email="ann@x.io")
    assert ann["traits"] == {"email": "ann@x.io", "first_name": "Ann", "company": "Acme"}


def test_csv_import_refuses_a_file_it_cannot_map(client: TestClient) -> None:
    response = client.post(
        "/api/imports/contacts",
        files={"file": ("c.csv", io.BytesIO(b"name,city\nA,B\n"), "text/csv")},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "header"
    assert count(client, contacts) == 0
