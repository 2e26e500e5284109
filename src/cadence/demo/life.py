"""The state shared while one contact's messages are written."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cadence.demo import ids
from cadence.demo.behaviour import Plan
from cadence.demo.calendar import HOUR_MS, Calendar
from cadence.demo.messages import Device, Emitter
from cadence.demo.orders import AccountStory
from cadence.demo.population import Contact


@dataclass
class Life:
    """Everything needed to write one contact's messages."""

    contact: Contact
    plan: Plan
    calendar: Calendar
    rng: random.Random
    out: Emitter
    devices: list[Device]
    story: AccountStory
    seed: int
    opted_in: bool = True
    known: set[str] = field(default_factory=set)
    webinars: set[str] = field(default_factory=set)
    weights: list[float] = field(default_factory=list)
    surge_weights: list[float] = field(default_factory=list)

    @property
    def app_user_id(self) -> str:
        return ids.app_user_id(seed=self.seed, contact=self.contact.index)

    def order_id(self, number: int) -> str:
        return ids.order_id(seed=self.seed, contact=self.contact.index, order=number)

    @property
    def horizon(self) -> int:
        return self.calendar.end_ms - HOUR_MS

    def web_user(self, at: int) -> str:
        """The user id the site knows the contact by: the product's id once aliased."""
        plan = self.plan
        if plan.aliased and (plan.legacy_customer or (plan.trial_ms and at >= plan.trial_ms)):
            return self.app_user_id
        return self.contact.user_id

    def device(self, at: int) -> Device:
        second = self.plan.second_device_ms
        if second is not None and at > second and self.rng.random() < 0.4:
            return self.devices[1]
        return self.devices[0]
