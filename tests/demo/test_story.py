"""The data set tells a story the later dashboards and models can find: asserted on the
generated messages, read back as Cadence would read them, never on the hidden propensities."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from cadence.demo import generate
from tests.demo.conftest import NOW
from tests.demo.story import SENIOR, Person, World, read_world

Messages = list[dict[str, Any]]


@pytest.fixture(scope="module")
def world(messages: Messages) -> World:
    return read_world(messages)


def _rate(people: list[Person], event: str) -> float:
    return sum(p.did(event) for p in people) / len(people)


@pytest.mark.parametrize("seed", [7, 11])
def test_senior_people_at_large_accounts_request_more_demos(seed: int, world: World) -> None:
    if seed != 7:
        world = read_world(generate(seed=seed, now=NOW))
    people = list(world.people.values())
    target = [p for p in people if world.is_senior_at_large(p)]
    rest = [p for p in people if not world.is_senior_at_large(p)]
    assert len(target) >= 30
    assert _rate(target, "Demo Requested") > 1.8 * _rate(rest, "Demo Requested")


def test_fit_shows_in_behaviour_too(world: World) -> None:
    """Senior people read the pricing page more often than specialists and interns do."""

    def pricing_views(person: Person) -> int:
        return sum(
            1 for _, event, props in person.events
            if event == "Page Viewed" and props["path"] == "/pricing"
        )  # fmt: skip

    people = world.people.values()
    senior = [pricing_views(p) for p in people if p.traits.get("seniority") in SENIOR]
    junior = [
        pricing_views(p) for p in people if p.traits.get("seniority") in ("Specialist", "Intern")
    ]
    assert sum(senior) / len(senior) > 1.3 * sum(junior) / len(junior)


def test_demo_requests_lead_to_orders_in_a_share_of_cases(world: World) -> None:
    requested = [p for p in world.people.values() if p.did("Demo Requested")]
    bought = [p for p in requested if p.did("Order Completed")]
    assert 0.15 < len(bought) / len(requested) < 0.8
    for person in bought:
        assert min(person.times("Demo Requested")) < min(person.times("Order Completed"))
    others = [p for p in world.people.values() if not p.did("Demo Requested")]
    new_buyers = [p for p in others if p.did("Order Completed") and p.first_seen > _early()]
    assert not new_buyers, "prospects who joined in the window buy only after a demo"


def _early() -> datetime:
    return NOW - timedelta(days=180 - 13)


def test_some_customers_have_lapsed_and_others_keep_buying(world: World) -> None:
    customers = [p for p in world.people.values() if p.did("Order Completed")]
    last_orders = [max(p.times("Order Completed")) for p in customers]
    lapsed = [at for at in last_orders if NOW - at > timedelta(days=90)]
    active = [at for at in last_orders if NOW - at <= timedelta(days=30)]
    assert len(lapsed) >= 5 and len(active) >= 10


def test_a_cohort_is_new_this_month(world: World) -> None:
    new = [p for p in world.people.values() if p.first_seen > NOW - timedelta(days=30)]
    assert 0.08 < len(new) / len(world.people) < 0.35


def test_engagement_fades_for_some(world: World) -> None:
    """People who were busy in their first month yet are silent over the last month."""
    faded = 0
    for person in world.people.values():
        first_month = [at for at, *_ in person.events if at - person.first_seen < timedelta(30)]
        recent = [at for at, *_ in person.events if NOW - at < timedelta(days=30)]
        if person.first_seen < NOW - timedelta(days=90) and len(first_month) >= 8 and not recent:
            faded += 1
    assert faded >= 20


def test_segments_the_console_will_show_are_populated(world: World) -> None:
    people = list(world.people.values())
    deciders = [p for p in people if p.traits.get("seniority") in SENIOR]
    emea_deciders = [p for p in deciders if p.traits.get("region") == "EMEA"]
    assert len(emea_deciders) >= 40
    assert len({p.traits.get("region") for p in people} - {None}) == 4
    assert 0.1 < sum("job_title" not in p.traits for p in people) / len(people) < 0.5
    assert 0.2 < sum("phone" not in p.traits for p in people) / len(people) < 0.9
    unsubscribed = sum(p.did("Unsubscribed") for p in people)
    assert 0.01 * len(people) <= unsubscribed <= 0.1 * len(people)


def test_accounts_look_like_a_b2b_market(world: World) -> None:
    accounts = list(world.accounts.values())
    sizes = sorted(a["employees"] for a in accounts)
    assert sizes[0] >= 5 and sizes[-1] <= 50_000
    assert sizes[len(sizes) // 2] < 1000 < sizes[-1]
    assert {a["region"] for a in accounts} == {"EMEA", "North America", "APAC", "LATAM"}
    assert len({a["industry"] for a in accounts}) >= 8
    plans = Counter(a["plan"] for a in accounts)
    assert plans["free"] > 0 and plans["free"] < len(accounts)


def test_orders_follow_the_e_commerce_spec(messages: Messages) -> None:
    orders = [m["properties"] for m in messages if m.get("event") == "Order Completed"]
    assert orders
    assert len({o["order_id"] for o in orders}) == len(orders)
    for order in orders:
        lines = order["products"]
        subtotal = sum(line["price"] * line["quantity"] for line in lines)
        assert order["revenue"] == pytest.approx(subtotal - order["discount"])
        assert order["total"] == order["revenue"] and order["currency"] == "USD"
        for line in lines:
            assert {"product_id", "sku", "name", "category", "price", "quantity"} <= set(line)
