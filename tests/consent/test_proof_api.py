"""Proof of consent and tamper detection over HTTP; the suppression list API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from cadence.consent.links import signing_key
from cadence.consent.suppression import email_hash
from cadence.consent.tokens import Purpose, verify
from cadence.db.tables import consent_ledger, suppressions
from cadence.runtime import now_millis

from .apihelp import consent, count, engine_of, new_contact


def test_proof_json_and_readable_page(client: TestClient) -> None:
    cid = new_contact(client, "quinn@example.org")
    consent(client, cid, topic="offers", ip="198.51.100.7", user_agent="Browser <b>1</b>")
    consent(client, cid, topic="news", status="withdrawn")
    proof = client.get(f"/api/contacts/{cid}/consents/proof").json()
    assert proof["contact"]["email"] == "quinn@example.org"
    assert proof["verification"]["valid"] is True
    assert [e["action"] for e in proof["entries"]] == ["granted", "withdrawn"]
    assert proof["entries"][0]["wording"].startswith("Yes, send me offers")
    page = client.get(f"/api/contacts/{cid}/consents/proof", params={"format": "html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Proof of consent" in page.text and "198.51.100.7" in page.text
    assert "Browser &lt;b&gt;1&lt;/b&gt;" in page.text  # escaped, never markup
    assert "The ledger verifies" in page.text
    assert (
        client.get(f"/api/contacts/{cid}/consents/proof", params={"format": "pdf"}).status_code
        == 400
    )


def test_verify_detects_edits_and_removed_entries(client: TestClient) -> None:
    cid = new_contact(client, "rae@example.org")
    for topic in ("news", "offers", "events"):
        consent(client, cid, topic=topic)
    assert client.get(f"/api/contacts/{cid}/consents/verify").json()["valid"] is True
    entries = client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
    with engine_of(client).begin() as conn:
        conn.execute(
            update(consent_ledger)
            .where(consent_ledger.c.id == entries[1]["id"])
            .values(wording="I agree to everything")
        )
    report = client.get(f"/api/contacts/{cid}/consents/verify").json()
    assert report["valid"] is False
    assert report["chains"][0]["broken_at"] == entries[1]["id"]
    with engine_of(client).begin() as conn:
        conn.execute(
            update(consent_ledger)
            .where(consent_ledger.c.id == entries[1]["id"])
            .values(wording=entries[1]["wording"])
        )
        conn.execute(delete(consent_ledger).where(consent_ledger.c.id == entries[2]["id"]))
    report = client.get(f"/api/contacts/{cid}/consents/verify").json()
    assert report["valid"] is False and report["chains"][0]["broken_at"] is None
    assert "stored head" in report["chains"][0]["problem"]
    page = client.get(f"/api/contacts/{cid}/consents/proof", params={"format": "html"})
    assert "does NOT verify" in page.text


def test_links_are_signed_for_this_contact(client: TestClient) -> None:
    cid = new_contact(client, "sam@example.org")
    links = client.get(f"/api/contacts/{cid}/links").json()
    key = signing_key(secret="test-secret-key-not-for-production")
    token = links["preference_center"].rsplit("/p/", 1)[1]
    claims = verify(key=key, token=token, purpose=Purpose.PREFS, at=now_millis())
    assert claims.contact_id == cid
    unsub = links["unsubscribe"]["email"]["offers"]
    claims = verify(
        key=key, token=unsub.rsplit("/u/", 1)[1], purpose=Purpose.UNSUB, at=now_millis()
    )
    assert (claims.channel, claims.topic) == ("email", "offers")
    headers = links["email_headers"]["offers"]
    assert headers == {
        "List-Unsubscribe": f"<{unsub}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert client.get("/api/contacts/999999/links").status_code == 404


def test_suppression_list_stores_only_hashes(client: TestClient) -> None:
    added = client.post(
        "/api/suppressions", json={"email": " Tia@Example.org ", "reason": "hard_bounce"}
    )
    assert added.status_code == 201
    assert added.json()["email_hash"] == email_hash(email="tia@example.org")
    assert client.post("/api/suppressions", json={"email": "tia@example.org"}).status_code == 200
    with engine_of(client).connect() as conn:
        stored = list(conn.execute(select(suppressions.c.email_hash, suppressions.c.reason)))
    assert stored == [(email_hash(email="tia@example.org"), "hard_bounce")]
    listed = client.get("/api/suppressions").json()
    assert [i["reason"] for i in listed["items"]] == ["hard_bounce"]
    assert client.post("/api/suppressions/lookup", json={"email": "TIA@example.org"}).json()[
        "suppressed"
    ]
    bad = client.post("/api/suppressions", json={"email": "not-an-address"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "email"
    assert (
        client.post("/api/suppressions", json={"email": "a@b.io", "reason": "x"}).status_code == 400
    )
    assert client.delete("/api/suppressions/tia@example.org").json() == {"removed": True}
    assert client.delete("/api/suppressions/tia@example.org").status_code == 404
    assert count(client, suppressions) == 0
    with engine_of(client).connect() as conn:
        assert conn.execute(select(func.count()).select_from(suppressions)).scalar_one() == 0


def test_everything_needs_an_admin_key(client: TestClient) -> None:
    cid = new_contact(client, "uma@example.org")
    del client.headers["Authorization"]
    for method, path in [
        ("post", f"/api/contacts/{cid}/consents"),
        ("get", f"/api/contacts/{cid}/consents"),
        ("get", f"/api/contacts/{cid}/consents/history"),
        ("get", f"/api/contacts/{cid}/consents/proof"),
        ("get", f"/api/contacts/{cid}/links"),
        ("get", "/api/suppressions"),
        ("post", "/api/gate/check"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path
