"""Counts of a data set and /v1/batch bodies built from it."""

from __future__ import annotations

from typing import Any

import orjson

from cadence.demo import batches, summarize
from cadence.demo.summary import BATCH_BYTES_LIMIT
from tests.demo.conftest import NOW

Messages = list[dict[str, Any]]


def test_summary_counts_types_events_and_ids(messages: Messages) -> None:
    summary = summarize(messages)
    assert summary.total == len(messages)
    assert summary.by_event["Page Viewed"] == summary.by_type["page"]
    assert sum(summary.by_event.values()) == summary.by_type["page"] + summary.by_type["track"]
    assert summary.first_timestamp == messages[0]["timestamp"]
    assert summary.last_timestamp == messages[-1]["timestamp"]
    assert len(summary.group_ids) >= 76
    assert any("Order Completed" in line for line in summary.lines())


def test_batches_are_what_the_client_posts(messages: Messages) -> None:
    bodies = list(batches(messages, sent_at=NOW, size=100, write_key="wk"))
    assert [m for body in bodies for m in body["batch"]] == messages
    for body in bodies:
        assert 1 <= len(body["batch"]) <= 100
        assert body["sentAt"] == NOW.isoformat() and body["writeKey"] == "wk"
        assert len(orjson.dumps(body["batch"])) < BATCH_BYTES_LIMIT + 1000


def test_batches_split_by_bytes_before_count(messages: Messages) -> None:
    bodies = list(batches(messages[:3000], sent_at=NOW, size=10_000))
    assert len(bodies) > 1
    assert all(len(orjson.dumps(b["batch"])) < 500_000 for b in bodies)
