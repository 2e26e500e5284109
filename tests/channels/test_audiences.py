"""A segment as an ad audience: only social consent, hashed identifiers in the platforms'
formats, and syncs that follow the segment as it moves."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from cadence.channels.audiences import normalise_email, normalise_phone
from tests.consent.apihelp import consent, new_contact


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def members(client: TestClient, key: str, *ids: int) -> None:
    answer = client.post(f"/api/segments/{key}/members", json={"contact_ids": list(ids)})
    assert answer.status_code == 200, answer.text


def test_audience_only_holds_social_consent_hashed(client: TestClient) -> None:
    ada = new_contact(client, " Ada.Love@GMail.com ", phone="+44 (20) 7946-0000")
    bo = new_contact(client, "bo@example.org")
    cy = new_contact(client, "cy@example.org")
    consent(client, ada, channel="social", topic="offers")
    consent(client, bo, channel="social", topic="*")
    consent(client, cy, channel="email", topic="offers")  # email consent is not social consent
    assert client.post("/api/segments", json={"key": "fans", "static": True}).status_code == 201
    members(client, "fans", ada, bo, cy)

    meta = client.get(
        "/api/segments/fans/audience", params={"platform": "meta", "topic": "offers"}
    ).json()
    assert meta["members"] == 2
    assert meta["skipped"] == {"no_consent": 1}
    assert meta["upload"]["schema"] == ["EMAIL", "PHONE"]
    assert sorted(meta["upload"]["data"]) == sorted(
        [[sha("ada.love@gmail.com"), sha("442079460000")], [sha("bo@example.org"), ""]]
    )
    google = client.get(
        "/api/segments/fans/audience", params={"platform": "google", "topic": "offers"}
    ).json()
    identifiers = [op["create"]["userIdentifiers"] for op in google["upload"]["operations"]]
    assert {"hashedEmail": sha("adalove@gmail.com")} in identifiers[0] + identifiers[1]
    assert {"hashedPhoneNumber": sha("+442079460000")} in identifiers[0] + identifiers[1]
    csv_file = client.get(
        "/api/segments/fans/audience",
        params={"platform": "google", "topic": "offers", "format": "csv"},
    )
    assert csv_file.text.splitlines()[0] == "Email,Phone"
    assert len(csv_file.text.splitlines()) == 3


def test_sync_reports_additions_and_removals(client: TestClient) -> None:
    ada = new_contact(client, "ada@example.org")
    bo = new_contact(client, "bo@example.org")
    for person in (ada, bo):
        consent(client, person, channel="social", topic="offers")
    assert client.post("/api/segments", json={"key": "fans", "static": True}).status_code == 201
    members(client, "fans", ada)
    params = {"platform": "meta", "topic": "offers"}
    first = client.post("/api/segments/fans/audience/sync", params=params).json()
    assert (first["added"], first["removed"]) == (1, 0)
    assert first["add"]["data"] == [[sha("ada@example.org"), ""]]
    unchanged = client.post("/api/segments/fans/audience/sync", params=params).json()
    assert (unchanged["added"], unchanged["removed"]) == (0, 0)

    members(client, "fans", bo)
    consent(client, ada, channel="social", topic="offers", status="withdrawn")
    moved = client.post("/api/segments/fans/audience/sync", params=params).json()
    assert moved["add"]["data"] == [[sha("bo@example.org"), ""]]
    assert moved["remove"]["data"] == [[sha("ada@example.org"), ""]]
    assert moved["members"] == 1


def test_bad_requests_name_the_field(client: TestClient) -> None:
    assert client.post("/api/segments", json={"key": "fans", "static": True}).status_code == 201
    unknown = client.get("/api/segments/nope/audience", params={"platform": "meta", "topic": "x"})
    assert unknown.status_code in (400, 404)
    topic = client.get("/api/segments/fans/audience", params={"platform": "meta", "topic": "x"})
    assert topic.status_code == 400 and topic.json()["errors"][0]["field"] == "topic"
    platform = client.get(
        "/api/segments/fans/audience", params={"platform": "tiktok", "topic": "offers"}
    )
    assert platform.status_code in (400, 422)


@given(st.emails())
def test_email_normalisation_is_idempotent_and_lower_case(email: str) -> None:
    for platform in ("google", "meta"):
        once = normalise_email(f"  {email.upper()} ", platform=platform)
        if once is not None:
            assert once == once.strip().lower()
            assert normalise_email(once, platform=platform) == once


def test_phone_normalisation() -> None:
    assert normalise_phone("+1 (415) 555-0100", platform="google") == "+14155550100"
    assert normalise_phone("0044 20 7946 0000", platform="meta") == "442079460000"
    assert normalise_phone("020 7946 0000", platform="meta") is None  # country unknown
    assert normalise_phone(None, platform="meta") is None
