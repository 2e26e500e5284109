"""Phone and direct mail: tasks for the sales owner and the mailing file, through the API."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import update

from cadence.channels.tasks import TaskTransport, postal_address
from cadence.db.tables import contacts
from tests.channels.conftest import outgoing
from tests.helpers import call, contact_by, send


def test_calls_go_to_the_owner_and_letters_to_the_mailing_file(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    send(
        client,
        call(
            "identify",
            userId="ada",
            traits={
                "email": "ada@example.org",
                "name": "Ada Lovelace",
                "phone": "+44 20 7946 0000",
                "address": {
                    "street": "=HYPERLINK(1) Street 1",
                    "city": "London",
                    "postal_code": "N1 9GU",
                    "country": "GB",
                },
            },
        ),
        call("identify", userId="bo", traits={"email": "bo@example.org"}),
    )
    ada = contact_by(client, user_id="ada")["id"]
    bo = contact_by(client, user_id="bo")["id"]
    with engine.begin() as conn:
        conn.execute(update(contacts).where(contacts.c.id == ada).values(owner="sam@shop.example"))
    phone = TaskTransport(engine=engine, channel="phone")
    mail = TaskTransport(engine=engine, channel="direct_mail")
    calls = phone.deliver(
        [
            outgoing(1, channel="phone", address="", text="Ask about the renewal", contact_id=ada),
            outgoing(2, channel="phone", address="", text="Call", contact_id=bo),
        ]
    )
    assert [c.status for c in calls] == ["sent", "failed"]  # Bo has no phone number
    assert phone.deliver([outgoing(1, channel="phone", address="", contact_id=ada)])[0].status == (
        "sent"
    )  # delivered again: still one task
    letters = mail.deliver(
        [
            outgoing(3, channel="direct_mail", address="", text="Dear Ada", contact_id=ada),
            outgoing(4, channel="direct_mail", address="", text="Dear Bo", contact_id=bo),
        ]
    )
    assert [r.status for r in letters] == ["sent", "failed"]  # Bo has no postal address

    owned = client.get("/api/tasks", params={"kind": "call", "owner": "sam@shop.example"}).json()
    [task] = owned["items"]
    assert (task["contact_id"], task["body"], task["details"]["phone"]) == (
        ada,
        "Ask about the renewal",
        "+44 20 7946 0000",
    )
    done = client.post(f"/api/tasks/{task['id']}/complete", json={"outcome": "renewed"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get("/api/tasks", params={"kind": "call"}).json()["items"] == []
    assert client.post("/api/tasks/999999/complete", json={}).status_code == 404
    bad = client.post(f"/api/tasks/{task['id']}/complete", json={"outcome": 3, "extra": 1})
    assert bad.status_code in (400, 422)

    mailing = client.get("/api/tasks/mailing.csv")
    assert mailing.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(mailing.text)))
    assert [(r["name"], r["city"], r["postal_code"], r["body"]) for r in rows] == [
        ("Ada Lovelace", "London", "N1 9GU", "Dear Ada")
    ]
    assert rows[0]["street"] == "'=HYPERLINK(1) Street 1"  # no formula in a spreadsheet


def test_postal_address_from_traits() -> None:
    assert postal_address({"street": "Main St 1", "city": "Springfield"}) == {
        "street": "Main St 1",
        "city": "Springfield",
    }
    assert postal_address({"address": {"city": "Springfield"}}) is None
    assert postal_address({}) is None
