"""The generated messages: deterministic, ordered, inside the window, valid Segment calls."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cadence.demo import generate, summarize, window
from tests.demo.conftest import NOW

Messages = list[dict[str, Any]]


def test_same_seed_gives_the_same_messages(messages: Messages) -> None:
    assert list(generate(now=NOW)) == messages


def test_another_seed_gives_another_data_set(messages: Messages) -> None:
    other = list(generate(seed=8, accounts=10, contacts=50, now=NOW))
    assert {m["messageId"] for m in other}.isdisjoint(m["messageId"] for m in messages)


def test_default_volume_is_a_few_tens_of_thousands(messages: Messages) -> None:
    summary = summarize(messages)
    assert 30_000 <= summary.total <= 60_000
    assert set(summary.by_type) == {"identify", "track", "page", "group", "alias"}
    assert len(summary.group_ids) >= 76


def test_message_ids_are_unique(messages: Messages) -> None:
    ids = [m["messageId"] for m in messages]
    assert len(set(ids)) == len(ids)


def test_timestamps_are_ordered_and_inside_the_window(messages: Messages) -> None:
    start_ms, end_ms = window(now=NOW, months=6)
    stamps = [datetime.fromisoformat(m["timestamp"]) for m in messages]
    assert all(s.utcoffset() == timedelta(0) for s in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0] >= NOW - timedelta(days=180) and stamps[-1] <= NOW
    assert int(stamps[0].timestamp() * 1000) >= start_ms
    assert int(stamps[-1].timestamp() * 1000) <= end_ms


def test_each_person_s_messages_have_distinct_times(messages: Messages) -> None:
    """Ties would let a batch reorder an identify and the calls that depend on it."""
    seen: dict[str, set[str]] = defaultdict(set)
    for m in messages:
        key = m["userId"] or m["anonymousId"]
        assert m["timestamp"] not in seen[key], m
        seen[key].add(m["timestamp"])


def test_every_call_has_the_fields_its_type_requires(messages: Messages) -> None:
    for m in messages:
        assert m["userId"] or m["anonymousId"], m
        assert isinstance(m["context"], dict) and m["integrations"] == {}
        kind = m["type"]
        if kind == "track":
            assert isinstance(m["event"], str) and m["event"]
            assert isinstance(m["properties"], dict)
        elif kind == "page":
            assert m["properties"]["path"].startswith("/")
            assert m["properties"]["url"].startswith("https://www.lumen.example/")
            assert m["context"]["page"]["path"] == m["properties"]["path"]
        elif kind == "identify":
            assert m["userId"] and "@" in m["traits"]["email"]
        elif kind == "group":
            assert m["groupId"] and m["traits"]["name"]
        elif kind == "alias":
            assert m["previousId"] and m["userId"] and m["previousId"] != m["userId"]


def test_an_anonymous_id_is_identified_by_exactly_one_user(messages: Messages) -> None:
    identified: dict[str, set[str]] = defaultdict(set)
    for m in messages:
        if m["type"] == "identify" and m["anonymousId"]:
            identified[m["anonymousId"]].add(m["userId"])
    assert len(identified) > 800
    assert all(len(users) == 1 for users in identified.values())


def test_ids_that_meet_belong_to_one_person_once_aliases_are_followed(messages: Messages) -> None:
    aliases: dict[str, str] = {
        m["userId"]: m["previousId"] for m in messages if m["type"] == "alias"
    }
    assert aliases and all(previous.startswith("u_") for previous in aliases.values())
    owners: dict[str, set[str]] = defaultdict(set)
    for m in messages:
        if m["userId"] and m["anonymousId"]:
            user_id: str = m["userId"]
            owners[m["anonymousId"]].add(aliases.get(user_id, user_id))
    assert all(len(users) == 1 for users in owners.values())


def test_nobody_is_known_before_they_identify(messages: Messages) -> None:
    """Every user id appears first in an identify (or, for product ids, an alias)."""
    seen: set[str] = set()
    for m in messages:
        user_id: str | None = m["userId"]
        if user_id and user_id not in seen:
            assert m["type"] in ("identify", "alias"), m
            seen.add(user_id)


def test_visitors_start_anonymous_and_some_arrive_from_campaigns(messages: Messages) -> None:
    first_calls: dict[str, dict[str, Any]] = {}
    for m in messages:
        if m["anonymousId"]:
            first_calls.setdefault(m["anonymousId"], m)
    firsts = list(first_calls.values())
    assert sum(m["type"] == "page" and m["userId"] is None for m in firsts) > 0.9 * len(firsts)
    with_utm = [m for m in firsts if "campaign" in m["context"]]
    assert 0.15 * len(firsts) < len(with_utm) < 0.7 * len(firsts)
    assert all("utm_source=" in m["properties"]["url"] for m in with_utm)


def test_emails_and_domains_are_reserved_example_addresses(messages: Messages) -> None:
    for m in messages:
        if m["type"] == "identify":
            assert m["traits"]["email"].endswith(".example")
        if m["type"] == "group":
            assert m["traits"]["domain"].endswith(".example")


@pytest.mark.parametrize(("seed", "months"), [(1, 1), (2, 2), (3, 12), (4, 3)])
def test_any_window_holds_every_timestamp(seed: int, months: int) -> None:
    now = datetime(2026, 1, 15, 8, 30, 15, 123456, tzinfo=UTC)
    data = list(generate(seed=seed, accounts=8, contacts=120, months=months, now=now))
    stamps = [_at(m) for m in data]
    assert stamps == sorted(stamps)
    assert now - timedelta(days=30 * months) <= stamps[0] and stamps[-1] <= now
    assert len({m["messageId"] for m in data}) == len(data)


def test_small_windows_and_populations_work() -> None:
    now = datetime(2024, 2, 29, 23, 59, tzinfo=UTC)
    tiny = list(generate(seed=1, accounts=3, contacts=5, months=1, now=now))
    assert tiny and all(now - timedelta(days=30) <= _at(m) <= now for m in tiny)
    assert list(generate(seed=1, accounts=2, contacts=0, visitors=0, now=now)) == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        next(generate(now=datetime(2025, 1, 1)))


def _at(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["timestamp"])
