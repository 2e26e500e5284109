"""Identity resolution and merges: one contact per person, however they reached us."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cadence.db.tables import merges, outbox
from tests.helpers import call, contact_by, send


def names(client: TestClient, contact_id: int) -> list[str]:
    items = client.get(f"/api/contacts/{contact_id}/events", params={"limit": 500}).json()["items"]
    return sorted(e["name"] or e["type"] for e in items)


def test_anonymous_visitor_becomes_known_in_one_batch(client: TestClient) -> None:
    send(
        client,
        call("page", anonymousId="a1", properties={"path": "/"}),
        call("page", anonymousId="a1", properties={"path": "/pricing"}),
        call("identify", anonymousId="a1", userId="u1", traits={"email": "v@x.io"}),
    )
    contact = contact_by(client, user_id="u1")
    assert contact["anonymous_ids"] == ["a1"]
    assert names(client, contact["id"]) == ["Page Viewed", "Page Viewed", "identify"]


def test_identify_joining_two_stored_contacts_merges_them(client: TestClient) -> None:
    send(client, call("page", anonymousId="a2", properties={"path": "/docs"}))
    send(
        client,
        call("identify", userId="u2", traits={"email": "m@x.io", "first_name": "Mo"}),
        call("track", userId="u2", event="Order Completed", properties={"revenue": 10}),
    )
    anonymous = contact_by(client, anonymous_id="a2")
    known = contact_by(client, user_id="u2")
    assert anonymous["id"] != known["id"]
    send(client, call("identify", userId="u2", anonymousId="a2"))
    merged = contact_by(client, user_id="u2")
    assert contact_by(client, anonymous_id="a2")["id"] == merged["id"]
    assert names(client, merged["id"]) == ["Order Completed", "Page Viewed", "identify", "identify"]
    assert merged["purchases"]["count"] == 1
    gone = anonymous["id"] if anonymous["id"] != merged["id"] else known["id"]
    assert client.get(f"/api/contacts/{gone}").json()["id"] == merged["id"]  # old id redirects
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        recorded = list(conn.execute(select(merges.c.from_contact_id, merges.c.into_contact_id)))
        published = list(
            conn.execute(select(outbox.c.topic).where(outbox.c.topic == "contact.merged"))
        )
    assert recorded == [(gone, merged["id"])]
    assert len(published) == 1


def test_merge_is_idempotent(client: TestClient) -> None:
    send(client, call("page", anonymousId="a3"))
    send(client, call("identify", userId="u3"))
    joining = call("identify", userId="u3", anonymousId="a3")
    send(client, joining)
    send(client, joining)  # same messageId: ignored
    send(client, call("identify", userId="u3", anonymousId="a3"))  # new call, already joined
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        assert len(list(conn.execute(select(merges)))) == 1
    assert len(client.get("/api/contacts").json()["items"]) == 1


def test_email_joins_identities(client: TestClient) -> None:
    send(client, call("identify", anonymousId="a4", traits={"email": "Same@X.io", "city": "Rome"}))
    send(client, call("identify", userId="u4", traits={"email": "same@x.io", "plan": "pro"}))
    contact = contact_by(client, user_id="u4")
    assert contact["anonymous_ids"] == ["a4"]
    assert contact["traits"]["city"] == "Rome"
    assert contact["traits"]["plan"] == "pro"


def test_different_user_ids_are_never_merged(client: TestClient) -> None:
    send(client, call("identify", userId="alice", anonymousId="shared-device"))
    send(client, call("identify", userId="bob", anonymousId="shared-device"))
    alice, bob = contact_by(client, user_id="alice"), contact_by(client, user_id="bob")
    assert alice["id"] != bob["id"]
    assert contact_by(client, anonymous_id="shared-device")["id"] == alice["id"]


def test_alias_merges_previous_id_into_user(client: TestClient) -> None:
    send(client, call("track", anonymousId="a5", event="Webinar Registered"))
    send(client, call("track", userId="u5", event="Trial Started"))
    send(client, call("alias", previousId="a5", userId="u5"))
    contact = contact_by(client, user_id="u5")
    assert names(client, contact["id"]) == ["Trial Started", "Webinar Registered", "alias"]
    assert contact_by(client, anonymous_id="a5")["id"] == contact["id"]


def test_group_links_accounts_with_one_primary(client: TestClient) -> None:
    send(
        client,
        call("group", userId="u6", groupId="acme", traits={"name": "Acme", "employees": 50}),
        call("group", userId="u6", groupId="globex", traits={"name": "Globex"}),
        call("group", userId="u6", groupId="acme", traits={"employees": 1200}),
    )
    contact = contact_by(client, user_id="u6")
    linked = {a["group_id"]: a for a in contact["accounts"]}
    assert linked["acme"]["primary"] is True
    assert linked["globex"]["primary"] is False
    assert linked["acme"]["traits"] == {"name": "Acme", "employees": 1200}
    members = client.get(f"/api/accounts/{linked['acme']['id']}/contacts").json()["items"]
    assert [m["id"] for m in members] == [contact["id"]]
    account = client.get(f"/api/accounts/{linked['acme']['id']}").json()
    assert account["name"] == "Acme"


def test_identify_company_object_creates_the_account(client: TestClient) -> None:
    send(
        client,
        call(
            "identify",
            userId="u7",
            traits={"company": {"id": "c-9", "name": "Initech", "industry": "Software"}},
        ),
    )
    account = contact_by(client, user_id="u7")["accounts"][0]
    assert account["group_id"] == "c-9"
    assert account["traits"] == {"name": "Initech", "industry": "Software"}


def test_profile_level_reports_missing_fields(client: TestClient) -> None:
    send(client, call("identify", userId="u8", traits={"email": "l@x.io", "first_name": "Lea"}))
    contact = contact_by(client, user_id="u8")
    assert contact["profile_level"] == 0
    assert contact["profile_missing"] == ["last_name", "company", "job_title", "country"]
    send(
        client,
        call(
            "identify",
            userId="u8",
            traits={"last_name": "Ray", "job_title": "CTO", "country": "FR"},
        ),
        call("group", userId="u8", groupId="g8", traits={"name": "Ray SA"}),
    )
    contact = contact_by(client, user_id="u8")
    assert contact["profile_level"] == 1
    assert contact["profile_missing"] == ["preferences"]


def test_alias_joins_two_user_ids(client: TestClient) -> None:
    send(
        client,
        call("identify", userId="u_marketing", traits={"email": "two@x.io"}),
        call("track", userId="u_marketing", event="Demo Requested"),
    )
    send(
        client,
        call("track", userId="app_product", event="Order Completed", properties={"revenue": 9}),
    )
    send(client, call("alias", previousId="u_marketing", userId="app_product"))
    contact = contact_by(client, user_id="app_product")
    assert contact_by(client, user_id="u_marketing")["id"] == contact["id"]
    assert contact["user_id"] == "app_product"
    assert contact["purchases"]["count"] == 1
    assert names(client, contact["id"]) == [
        "Demo Requested",
        "Order Completed",
        "alias",
        "identify",
    ]


def test_both_user_ids_keep_working_after_an_alias_in_one_batch(client: TestClient) -> None:
    send(client, call("identify", userId="old-id", traits={"email": "b@x.io"}))
    send(
        client,
        call("alias", previousId="old-id", userId="new-id"),
        call("track", userId="old-id", event="Still Old"),
        call("track", userId="new-id", event="Already New"),
    )
    contact = contact_by(client, user_id="new-id")
    assert contact_by(client, user_id="old-id")["id"] == contact["id"]
    assert len(client.get("/api/contacts").json()["items"]) == 1
