"""The Python evaluator, operator by operator (the SQL side is held to it elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from cadence.conditions import (
    ConsentRecord,
    ContactState,
    EvalContext,
    EventRecord,
    evaluate,
    parse_condition,
)
from tests.conditions.worlds import DAY, NOW, NOW_MS

TRAITS = {
    "country": "DE",
    "employees": 1200,
    "seats": "40",
    "ratio": 0.5,
    "vip": True,
    "tags": ["b2b", "vip", 7],
    "email": "ann@acme.com",
    "renewal": "2024-05-20",
    "renewal_at": "2024-06-01T13:00:00+02:00",
    "bad_date": "2024-02-30",
    "newline_number": "7\n",
    "newline_date": "2024-05-01\n",
    "nothing": None,
    "address": {"city": "Berlin"},
}


def holds(raw: dict[str, Any], state: ContactState | None = None, **ctx: Any) -> bool:
    contact = state or ContactState(contact_id=1, traits=TRAITS)
    return evaluate(parse_condition(raw), state=contact, ctx=EvalContext(now=NOW, **ctx))


def trait(op: str, value: Any = None, name: str = "country") -> dict[str, Any]:
    leaf: dict[str, Any] = {"field": f"traits.{name}", "op": op}
    if value is not None:
        leaf["value"] = value
    return leaf


TRAIT_CASES = [
    (trait("eq", "DE"), True),
    (trait("eq", "de"), False),  # case-sensitive
    (trait("ne", "FR"), True),
    (trait("ne", "FR", "missing"), True),  # ne is exactly not eq
    (trait("eq", "FR", "missing"), False),
    (trait("eq", 1200, "employees"), True),
    (trait("eq", "1200", "employees"), False),  # text never equals a number
    (trait("eq", 40, "seats"), True),  # numeric strings are numbers
    (trait("gt", 39.5, "seats"), True),
    (trait("eq", True, "vip"), True),
    (trait("eq", 1, "vip"), False),  # booleans are not numbers
    (trait("in", ["FR", "DE"]), True),
    (trait("in", [1200, "x"], "employees"), True),
    (trait("not_in", ["FR"], "missing"), True),
    (trait("contains", "acme", "email"), True),
    (trait("contains", "vip", "tags"), True),
    (trait("contains", 7, "tags"), True),
    (trait("contains", "vi", "tags"), False),  # arrays hold elements, not substrings
    (trait("matches", r"@acme\.com$", "email"), True),
    (trait("matches", "^1", "employees"), False),  # regexes read text only
    (trait("gte", 1000, "employees"), True),
    (trait("lt", 1000, "employees"), False),
    (trait("lt", 1000, "country"), False),  # incomparable is false ...
    ({"not": trait("gte", 1000, "country")}, True),  # ... and `not` makes it true
    (trait("lt", "2024-05-21", "renewal"), True),
    (trait("gt", "-15d", "renewal"), True),
    (trait("gt", "now", "renewal_at"), False),  # 13:00+02:00 is 11:00Z
    (trait("gt", "-2h", "renewal_at"), True),
    (trait("lt", "2030-01-01", "bad_date"), False),  # February has no 30th
    (trait("eq", 7, "newline_number"), False),  # no surrounding whitespace
    (trait("lt", "2030-01-01", "newline_date"), False),
    (trait("exists", name="country"), True),
    (trait("exists", name="nothing"), False),  # null is not set
    (trait("not_exists", name="missing"), True),
    ({"field": "traits.address.city", "op": "eq", "value": "Berlin"}, True),
    ({"field": "traits.country.city", "op": "exists"}, False),
]


@pytest.mark.parametrize(("leaf", "expected"), TRAIT_CASES)
def test_trait_operators(leaf: dict[str, Any], expected: bool) -> None:
    assert holds(leaf) is expected


def columns(**values: Any) -> ContactState:
    return ContactState(contact_id=1, columns=values)


def test_registered_fields_read_columns_and_time() -> None:
    contact = columns(
        band=2,
        grade="A",
        owner=None,
        first_seen_at=NOW_MS - 30 * DAY,
        first_order_at=NOW_MS - 3 * DAY - 1,
        last_order_at=NOW_MS - DAY,
        order_count=3,
        revenue_total=99.5,
    )
    assert holds({"field": "band", "op": "lte", "value": 2}, contact)
    assert holds({"field": "grade", "op": "in", "value": ["A", "B"]}, contact)
    assert holds({"field": "owner", "op": "not_exists"}, contact)
    assert holds({"field": "tenure_days", "op": "eq", "value": 30}, contact)
    assert holds({"field": "customer_tenure_days", "op": "eq", "value": 3}, contact)
    assert holds({"field": "purchases.days_since_last", "op": "lte", "value": 1}, contact)
    assert holds({"field": "purchases.count", "op": "gte", "value": 3}, contact)
    assert holds({"field": "purchases.total", "op": "gt", "value": 99}, contact)
    assert holds({"field": "first_seen_at", "op": "lte", "value": "-30d"}, contact)
    assert not holds({"field": "first_seen_at", "op": "lt", "value": "-30d"}, contact)
    assert not holds({"field": "last_seen_at", "op": "exists"}, contact)


def test_the_score_decays_with_the_half_life() -> None:
    contact = columns(score=80.0, score_as_of=NOW_MS - 10 * DAY)
    hot = {"field": "score", "op": "gte", "value": 40}
    assert holds(hot, contact)  # no half-life: no decay
    assert holds(hot, contact, half_life_days=10)  # exactly 40
    assert not holds(hot, contact, half_life_days=9.9)
    assert holds(hot, columns(score=80.0, score_as_of=None), half_life_days=1)


def events(*items: tuple[str, int, dict[str, Any]]) -> ContactState:
    return ContactState(contact_id=1, events=tuple(EventRecord(n, t, p) for n, t, p in items))


def test_event_windows_are_the_days_before_now() -> None:
    inside, edge, future = NOW_MS - 30 * DAY + 1, NOW_MS - 30 * DAY, NOW_MS + 1
    leaf = {"event": "Demo Requested", "within_days": 30}
    assert holds(leaf, events(("Demo Requested", inside, {})))
    assert not holds(leaf, events(("Demo Requested", edge, {})))
    assert not holds(leaf, events(("Demo Requested", future, {})))
    assert holds({"event": "Demo Requested"}, events(("Demo Requested", edge, {})))


def test_counts_and_property_filters() -> None:
    clicks = events(
        ("Email Clicked", NOW_MS - DAY, {"campaign": "spring"}),
        ("Email Clicked", NOW_MS - 2 * DAY, {"campaign": "spring", "amount": "12"}),
        ("Email Clicked", NOW_MS - 3 * DAY, {"campaign": "autumn"}),
    )
    spring = {"event": "Email Clicked", "where": {"campaign": "spring"}, "within_days": 30}
    assert holds({**spring, "min": 2}, clicks)
    assert not holds({**spring, "min": 3}, clicks)
    assert holds({**spring, "max": 2}, clicks)
    assert not holds({**spring, "max": 1}, clicks)
    assert holds({"event": "Email Clicked", "where": {"amount": {"op": "gt", "value": 10}}}, clicks)
    assert holds({"event": "Email Clicked", "where": {"campaign": ["autumn", "x"]}}, clicks)
    assert holds({"event": "Unsubscribed", "max": 0}, clicks)
    assert holds({"not": {"event": "Unsubscribed"}}, clicks)


def test_bought_looks_into_order_products() -> None:
    order = {"products": [{"product_id": "p1", "sku": "S-1", "category": "shoes"}, "junk"]}
    contact = events(("Order Completed", NOW_MS - 40 * DAY, order))
    assert holds({"bought": {"product": "S-1"}}, contact)
    assert holds({"bought": {"product": "p1", "category": "shoes"}}, contact)
    assert not holds({"bought": {"product": "p1", "category": "hats"}}, contact)
    assert not holds({"bought": {"category": "shoes"}, "within_days": 30}, contact)


def consents(*records: ConsentRecord) -> ContactState:
    return ContactState(contact_id=1, consents=records)


@pytest.mark.parametrize(
    ("record", "status", "expected"),
    [
        (ConsentRecord("email", "offers", "granted"), "granted", True),
        (ConsentRecord("email", "*", "granted"), "granted", True),
        (ConsentRecord("email", "news", "granted"), "granted", False),
        (ConsentRecord("sms", "offers", "granted"), "granted", False),
        (ConsentRecord("email", "offers", "granted", expires_at=NOW_MS), "granted", False),
        (ConsentRecord("email", "offers", "granted", expires_at=NOW_MS), "expired", True),
        (ConsentRecord("email", "offers", "granted", paused_until=NOW_MS + 1), "granted", False),
        (ConsentRecord("email", "offers", "granted", paused_until=NOW_MS + 1), "paused", True),
        (ConsentRecord("email", "offers", "granted", paused_until=NOW_MS), "granted", True),
        (ConsentRecord("email", "offers", "withdrawn"), "granted", False),
        (ConsentRecord("email", "offers", "withdrawn"), "withdrawn", True),
        (ConsentRecord("email", "offers", "pending"), "pending", True),
    ],
)
def test_consent_states(record: ConsentRecord, status: str, expected: bool) -> None:
    leaf = {"consent": {"channel": "email", "topic": "offers", "status": status}}
    assert holds(leaf, consents(record)) is expected


def test_a_topic_row_overrides_the_all_topics_row() -> None:
    withdrawn_offers = consents(
        ConsentRecord("email", "*", "granted"), ConsentRecord("email", "offers", "withdrawn")
    )
    assert not holds({"consent": {"channel": "email", "topic": "offers"}}, withdrawn_offers)
    assert holds({"consent": {"channel": "email", "topic": "news"}}, withdrawn_offers)
    granted_offers = consents(
        ConsentRecord("email", "*", "withdrawn"), ConsentRecord("email", "offers", "granted")
    )
    assert holds({"consent": {"channel": "email", "topic": "offers"}}, granted_offers)
    assert not holds({"consent": {"channel": "email", "topic": "news"}}, granted_offers)


def test_frequency_choice_is_a_condition() -> None:
    weekly = consents(ConsentRecord("email", "news", "granted", frequency="weekly"))
    assert holds({"consent": {"channel": "email", "topic": "news", "frequency": "weekly"}}, weekly)
    assert not holds(
        {"consent": {"channel": "email", "topic": "news", "frequency": "daily"}}, weekly
    )
    paused = consents(
        ConsentRecord("email", "news", "granted", paused_until=NOW_MS + 1, frequency="weekly")
    )
    assert holds(
        {"consent": {"channel": "email", "status": "paused", "frequency": "weekly"}}, paused
    )


def test_segments_and_accounts() -> None:
    contact = ContactState(
        contact_id=1, account_traits={"employees": "5000"}, segment_keys=frozenset({"emea"})
    )
    assert holds({"segment": "emea"}, contact)
    assert not holds({"segment": "apac"}, contact)
    assert holds({"field": "account.employees", "op": "gte", "value": 1000}, contact)
    assert holds({"field": "account.industry", "op": "ne", "value": "x"}, contact)
    assert holds({"all": []}, contact)
    assert not holds({"any": []}, contact)
