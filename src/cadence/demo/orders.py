"""Purchases: which plan an account buys, the Order Completed payload, the account's plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cadence.demo import ids
from cadence.demo.behaviour import Plan
from cadence.demo.content import ADD_ONS, PLANS, Product
from cadence.demo.population import Account

if TYPE_CHECKING:
    from cadence.demo.life import Life

_TIERS = ("starter", "professional", "enterprise")


def plan_tier(account: Account) -> str:
    """The plan an account buys, mostly by size: the same for every contact of the account."""
    rng = ids.seeded(f"tier:{account.group_id}")
    band = 0 if account.employees < 100 else 1 if account.employees < 2000 else 2
    if rng.random() < 0.25:
        band = min(2, max(0, band + rng.choice((-1, 1))))
    return _TIERS[band]


@dataclass(frozen=True)
class AccountStory:
    """Who bought first at an account and when, so every contact tells the same story: one
    plan per account, bought by its first buyer; later buyers add seats and services."""

    tier: str
    customer_since_ms: int | None = None
    first_buyer: int | None = None

    @classmethod
    def from_plans(cls, *, account: Account, plans: Iterable[tuple[int, Plan]]) -> AccountStory:
        since: int | None = None
        first_buyer: int | None = None
        first_order: int | None = None
        for index, plan in plans:
            began = plan.created_ms if plan.legacy_customer else min(plan.orders_ms, default=None)
            if began is not None and (since is None or began < since):
                since = began
            ordered = min(plan.orders_ms, default=None)
            if ordered is not None and (first_order is None or ordered < first_order):
                first_order, first_buyer = ordered, index
        return cls(tier=plan_tier(account), customer_since_ms=since, first_buyer=first_buyer)

    def plan_at(self, at: int) -> str:
        if self.customer_since_ms is not None and at >= self.customer_since_ms:
            return self.tier
        return "free"


def _line(product: Product, quantity: int, position: int) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "quantity": quantity,
        "position": position,
    }


def _basket(life: Life, number: int) -> list[tuple[Product, int]]:
    rng, account = life.rng, life.contact.account
    if number == 0 and life.story.first_buyer == life.contact.index:
        plan = PLANS[_TIERS.index(life.story.tier)]
        basket = [(plan, 1)]
        if not life.plan.legacy_customer and rng.random() < 0.5:
            basket.append((ADD_ONS[3], 1))
        if plan is PLANS[2]:
            basket.append((ADD_ONS[0], max(1, min(20, account.employees // 1000))))
        return basket
    extras = rng.sample(ADD_ONS, rng.choice((1, 1, 2)))
    return [(product, rng.choice((1, 1, 2, 3))) for product in extras]


def complete_order(life: Life, *, at: int, number: int) -> None:
    """Order Completed as Segment's e-commerce spec defines it, sent by the billing server."""
    rng, plan, contact = life.rng, life.plan, life.contact
    basket = _basket(life, number)
    subtotal = sum(product.price * quantity for product, quantity in basket)
    coupon = "ANNUAL10" if number == 0 and rng.random() < 0.25 else None
    discount = round(subtotal * 0.1, 2) if coupon else 0.0
    revenue = round(subtotal - discount, 2)
    user_id = life.app_user_id if plan.aliased else contact.user_id
    properties: dict[str, Any] = {
        "order_id": life.order_id(number),
        "affiliation": "Lumen Online",
        "total": revenue,
        "revenue": revenue,
        "discount": discount,
        "currency": "USD",
        "products": [_line(p, q, i + 1) for i, (p, q) in enumerate(basket)],
    }
    if coupon:
        properties["coupon"] = coupon
    life.out.track(at, event="Order Completed", properties=properties, user_id=user_id)
    if number == 0 and not plan.legacy_customer:
        account = contact.account
        traits = account.traits(plan=life.story.plan_at(at))
        life.out.group(at + 1000, user_id=user_id, group_id=account.group_id, traits=traits)
