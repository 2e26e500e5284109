"""Synthetic Segment traffic for benchmarks: realistic mix, unique messageIds."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

PAGES = [
    "/",
    "/pricing",
    "/product",
    "/blog/adaptive-journeys",
    "/docs/start",
    "/case-studies/acme",
]
EVENTS = [
    "Email Opened",
    "Email Clicked",
    "Whitepaper Downloaded",
    "Webinar Registered",
    "Demo Requested",
]


def messages(
    *, count: int, contacts: int, seed: int = 1, tag: str = "b"
) -> Iterator[dict[str, Any]]:
    """``count`` calls spread over ``contacts`` people and the last 90 days, in arrival order."""
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    for i in range(count):
        person = rng.randrange(contacts)
        when = (start + timedelta(seconds=rng.randrange(90 * 86400))).isoformat()
        base: dict[str, Any] = {
            "messageId": f"{tag}-{seed}-{i}",
            "anonymousId": f"anon-{person}",
            "timestamp": when,
            "context": {"ip": "203.0.113.9", "library": {"name": "bench", "version": "1"}},
        }
        roll = rng.random()
        if roll < 0.05:
            base.update(
                type="identify",
                userId=f"user-{person}",
                traits={
                    "email": f"person{person}@example.com",
                    "first_name": f"P{person}",
                    "plan": "pro",
                },
            )
        elif roll < 0.65:
            base.update(type="page", name="Page", properties={"path": rng.choice(PAGES)})
        elif roll < 0.95:
            base.update(type="track", event=rng.choice(EVENTS), properties={"campaign": "spring"})
        else:
            base.update(
                type="track",
                event="Order Completed",
                properties={"order_id": f"o-{i}", "revenue": round(rng.uniform(10, 900), 2)},
            )
        yield base


def batches(
    *, count: int, contacts: int, size: int, seed: int = 1, tag: str = "b"
) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for message in messages(count=count, contacts=contacts, seed=seed, tag=tag):
        current.append(message)
        if len(current) == size:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out
