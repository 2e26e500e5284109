"""Counts that describe a generated data set, and /v1/batch bodies built from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from cadence.demo.messages import Message

BATCH_BYTES_LIMIT = 475_000  # what analytics-python allows itself below Segment's 500 KB


@dataclass
class DemoSummary:
    """Messages by type and by event name, distinct ids, and the time span covered."""

    by_type: Counter[str] = field(default_factory=Counter)
    by_event: Counter[str] = field(default_factory=Counter)
    user_ids: set[str] = field(default_factory=set)
    anonymous_ids: set[str] = field(default_factory=set)
    group_ids: set[str] = field(default_factory=set)
    first_timestamp: str | None = None
    last_timestamp: str | None = None

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    def add(self, message: Message) -> None:
        kind = message["type"]
        self.by_type[kind] += 1
        if kind == "track":
            self.by_event[message["event"]] += 1
        elif kind == "page":
            self.by_event["Page Viewed"] += 1
        if message.get("userId"):
            self.user_ids.add(message["userId"])
        if message.get("anonymousId"):
            self.anonymous_ids.add(message["anonymousId"])
        if kind == "group":
            self.group_ids.add(message["groupId"])
        if self.first_timestamp is None:
            self.first_timestamp = message["timestamp"]
        self.last_timestamp = message["timestamp"]

    def lines(self) -> list[str]:
        """A short human-readable report (for the CLI)."""
        lines = [
            f"{self.total} messages from {self.first_timestamp} to {self.last_timestamp}",
            f"{len(self.user_ids)} user ids, {len(self.anonymous_ids)} anonymous ids, "
            f"{len(self.group_ids)} accounts",
        ]
        lines += [f"  {kind:<10} {count:>8}" for kind, count in self.by_type.most_common()]
        lines += [f"  {event:<22} {count:>8}" for event, count in self.by_event.most_common()]
        return lines


def summarize(messages: Iterable[Message]) -> DemoSummary:
    summary = DemoSummary()
    for message in messages:
        summary.add(message)
    return summary


def batches(
    messages: Iterable[Message], *, sent_at: datetime, size: int = 100, write_key: str | None = None
) -> Iterator[dict[str, Any]]:
    """/v1/batch request bodies as analytics-python posts them: at most ``size`` messages and
    about 475 KB each, with ``sentAt`` (and ``writeKey`` when given)."""
    batch: list[Message] = []
    used = 0
    for message in messages:
        length = len(orjson.dumps(message))
        if batch and (len(batch) >= size or used + length >= BATCH_BYTES_LIMIT):
            yield _body(batch, sent_at, write_key)
            batch, used = [], 0
        batch.append(message)
        used += length
    if batch:
        yield _body(batch, sent_at, write_key)


def _body(batch: list[Message], sent_at: datetime, write_key: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"batch": batch, "sentAt": sent_at.isoformat()}
    if write_key is not None:
        body["writeKey"] = write_key
    return body
