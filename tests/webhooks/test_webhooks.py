"""Outbound webhooks to a real local HTTP server: signed, retried, one id per delivery."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from cadence.db.types import to_millis
from cadence.scheduler import run_until_idle
from tests.helpers import call, send


class Receiver:
    """A CRM stand-in: answers the queued statuses in turn (then 200) and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/crm"
    server.shutdown()
    server.server_close()
    thread.join()


WORKSPACE = """
scoring:
  rules:
    - {{key: demo, event: Demo Requested, points: 90}}
lifecycle:
  mql: {{field: band, op: lte, value: 2}}
webhooks:
  - key: crm
    url: {url}
    secret_env: CADENCE_TEST_HOOK_SECRET
    topics: [contact.became_mql, contact.became_sql]
"""


def test_mql_is_handed_to_the_crm_signed_and_retried(
    client: TestClient, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = receiver
    monkeypatch.setenv("CADENCE_TEST_HOOK_SECRET", "hook-secret")
    applied = client.put("/api/config", content=WORKSPACE.format(url=url).encode())
    assert applied.status_code == 200, applied.text
    send(client, call("track", userId="lead-1", event="Demo Requested"))
    engine = client.app.state.engine  # type: ignore[attr-defined]
    state.statuses = [500]
    now = datetime.now(UTC)
    run_until_idle(engine, now=to_millis(now))
    assert len(state.requests) == 1  # failed once; the retry waits for its back-off
    run_until_idle(engine, now=to_millis(now + timedelta(seconds=10)))
    assert len(state.requests) == 1
    run_until_idle(engine, now=to_millis(now + timedelta(seconds=31)))
    assert len(state.requests) == 2
    (first_headers, _), (headers, body) = state.requests
    assert headers["x-cadence-delivery"] == first_headers["x-cadence-delivery"]
    expected = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert headers["x-cadence-signature"] == expected
    payload = orjson.loads(body)
    assert payload["topic"] == "contact.became_mql"
    assert payload["data"]["to"] == "mql"
    run_until_idle(engine, now=to_millis(now + timedelta(hours=1)))
    assert len(state.requests) == 2  # delivered once, never again


def test_invalid_webhook_definitions_are_refused(client: TestClient) -> None:
    bad = "webhooks:\n  - {key: Bad, url: 'ftp://x', secret_env: lower, topics: []}\n"
    answer = client.put("/api/config", content=bad.encode())
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {
        "webhooks[0].key",
        "webhooks[0].url",
        "webhooks[0].secret_env",
        "webhooks[0].topics",
    }
