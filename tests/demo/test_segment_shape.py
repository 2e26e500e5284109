"""Each message is exactly what the official analytics-python client builds for that call."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from segment.analytics.client import Client  # type: ignore[import-untyped]

Messages = list[dict[str, Any]]


def _replay(client: Client, m: dict[str, Any]) -> dict[str, Any]:
    """Make the same call through the official client (which does not send with send=False)."""
    context = {key: value for key, value in m["context"].items() if key != "library"}
    common = {
        "context": context,
        "timestamp": datetime.fromisoformat(m["timestamp"]),
        "message_id": m["messageId"],
    }
    kind = m["type"]
    ids = {"user_id": m["userId"], "anonymous_id": m["anonymousId"]}
    if kind == "identify":
        ok, msg = client.identify(traits=m["traits"], **ids, **common)
    elif kind == "track":
        ok, msg = client.track(event=m["event"], properties=m["properties"], **ids, **common)
    elif kind == "page":
        ok, msg = client.page(
            name=m["name"], category=m["category"], properties=m["properties"], **ids, **common
        )
    elif kind == "group":
        ok, msg = client.group(group_id=m["groupId"], traits=m["traits"], **ids, **common)
    else:
        ok, msg = client.alias(previous_id=m["previousId"], user_id=m["userId"], **common)
    assert ok
    result: dict[str, Any] = json.loads(json.dumps(msg))
    return result


def test_messages_match_the_official_client_call_for_call(messages: Messages) -> None:
    client = Client(write_key="demo", send=False, sync_mode=True)
    for m in messages:
        assert _replay(client, m) == m
