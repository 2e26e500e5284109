"""Bad input gets a 4xx JSON answer naming the field, and writes nothing."""

from __future__ import annotations

import gzip

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_KEY, WRITE_KEY
from tests.events.test_tracking import event_count
from tests.helpers import call

AUTH = (WRITE_KEY, "")


def post_batch(client: TestClient, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/batch",
        content=body,
        auth=AUTH,
        headers={"Content-Type": "application/json", **headers},
    )
    return response.status_code, response.json()


def test_malformed_json(client: TestClient) -> None:
    status, body = post_batch(client, b'{"batch": [')
    assert status == 400
    assert body["code"] == "invalid_request"
    assert "malformed JSON" in str(body["message"])


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"type": "track", "event": "X"}, "batch[1].userId", "userId or anonymousId"),
        ({"type": "track", "userId": "u"}, "batch[1].event", "required"),
        ({"type": "teleport", "userId": "u"}, "batch[1].type", "unknown call type"),
        (
            {"type": "track", "userId": "u", "event": "X", "properties": [1]},
            "batch[1].properties",
            "dictionary",
        ),
        (
            {"type": "track", "userId": "u", "event": "X", "timestamp": "yesterday"},
            "batch[1].timestamp",
            "datetime",
        ),
        ({"type": "group", "userId": "u"}, "batch[1].groupId", "required"),
        ({"type": "alias", "userId": "u"}, "batch[1].previousId", "required"),
        ("not an object", "batch[1]", "JSON object"),
    ],
)
def test_each_bad_call_is_named_by_index_and_field(
    client: TestClient, bad: object, field: str, words: str
) -> None:
    good = call("identify", userId="fine")
    status, body = post_batch(client, orjson.dumps({"batch": [good, bad]}))
    assert status == 400
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["field"] == field
    assert words.lower() in errors[0]["message"].lower()
    assert event_count(client) == 0  # the good call in a rejected batch is not written


def test_oversized_event_and_batch(client: TestClient) -> None:
    big = call("track", userId="u", event="Big", properties={"blob": "x" * 33_000})
    status, body = post_batch(client, orjson.dumps({"batch": [call("identify", userId="u"), big]}))
    assert status == 400
    assert body["errors"][0]["field"] == "batch[1]"  # type: ignore[index]
    many = [
        call("track", userId="u", event="E", properties={"pad": "y" * 20_000}) for _ in range(30)
    ]
    status, body = post_batch(client, orjson.dumps({"batch": many}))
    assert status == 413
    assert body["code"] == "payload_too_large"
    bomb = gzip.compress(orjson.dumps({"batch": many}))
    status, body = post_batch(client, bomb, **{"Content-Encoding": "gzip"})
    assert status == 413
    single = client.post(
        "/v1/track",
        json={"userId": "u", "event": "E", "properties": {"p": "z" * 40_000}},
        auth=AUTH,
    )
    assert single.status_code == 413
    assert event_count(client) == 0


def test_batch_must_be_an_array_and_gzip_must_be_gzip(client: TestClient) -> None:
    status, body = post_batch(client, b'{"batch": {"type": "track"}}')
    assert (status, body["errors"]) == (
        400,
        [{"field": "batch", "message": "must be an array of calls"}],
    )
    status, body = post_batch(client, b"not gzip", **{"Content-Encoding": "gzip"})
    assert status == 400
    assert "gzip" in str(body["message"])


def test_keys_are_required_and_scoped(client: TestClient) -> None:
    body = orjson.dumps({"batch": [call("identify", userId="u")]})
    anonymous = client.post("/v1/batch", content=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert {"code", "message"} <= set(anonymous.json())
    wrong = client.post("/v1/batch", content=body, auth=("cad_w_wrong", ""))
    assert wrong.status_code == 401
    assert (
        client.get("/api/contacts", headers={"Authorization": f"Bearer {WRITE_KEY}"}).status_code
        == 403
    )
    assert client.get("/api/contacts", headers={"Authorization": "Bearer nope"}).status_code == 401
    admin_can_track = client.post("/v1/batch", content=body, auth=(ADMIN_KEY, ""))
    assert admin_can_track.status_code == 200
    assert event_count(client) == 1


def test_unknown_paths_and_rest_validation_answer_json(client: TestClient) -> None:
    missing = client.get("/api/contacts/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    bad_limit = client.get("/api/contacts", params={"limit": 0})
    assert bad_limit.status_code == 400
    assert bad_limit.json()["errors"][0]["field"] == "limit"
    bad_cursor = client.get("/api/contacts", params={"cursor": "!!"})
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    assert client.post("/v1/nothing", json={}).status_code == 404
