"""What a contact must have for a condition to possibly hold: a cheap test before evaluate.

A new contact is evaluated against every segment. Most segments need something the
contact either has or not: an event of a given name (``{event: X}`` with ``min`` >= 1, a
purchase), a trait or account trait that a positive test reads. Without it the condition
is false now, and stays false as time passes (events and traits only arrive by
ingestion, which evaluates the contact again).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from functools import reduce

from cadence.conditions.models import (
    NEGATIONS,
    ORDER_EVENT,
    AllOf,
    AnyOf,
    BoughtCond,
    Condition,
    ContactState,
    EventCond,
    FieldCond,
)


@dataclass(frozen=True, slots=True)
class Requirements:
    """Event names and top-level trait / account trait keys the contact must all have."""

    events: frozenset[str] = frozenset()
    traits: frozenset[str] = frozenset()
    account_traits: frozenset[str] = frozenset()

    def __and__(self, other: Requirements) -> Requirements:
        return Requirements(
            self.events & other.events,
            self.traits & other.traits,
            self.account_traits & other.account_traits,
        )

    def __or__(self, other: Requirements) -> Requirements:
        return Requirements(
            self.events | other.events,
            self.traits | other.traits,
            self.account_traits | other.account_traits,
        )

    def met_by(self, state: ContactState, *, event_names: Set[str] | None = None) -> bool:
        """False only when the condition cannot hold for ``state`` at any moment
        (``event_names``: those of the state's events, when the caller has them)."""
        if self.events:
            names = {e.name for e in state.events} if event_names is None else event_names
            if not self.events <= names:
                return False
        traits, accounts = state.traits, state.account_traits or {}
        return all(traits.get(key) is not None for key in self.traits) and all(
            accounts.get(key) is not None for key in self.account_traits
        )


def requirements(node: Condition) -> Requirements:
    """What every contact the condition holds for has (see the module docstring)."""
    if isinstance(node, AllOf):
        return reduce(Requirements.__or__, map(requirements, node.items), Requirements())
    if isinstance(node, AnyOf):
        parts = [requirements(item) for item in node.items]
        return reduce(Requirements.__and__, parts) if parts else Requirements()
    if isinstance(node, EventCond) and node.min >= 1:
        return Requirements(events=frozenset({node.name}))
    if isinstance(node, BoughtCond):
        return Requirements(events=frozenset({ORDER_EVENT}))
    if isinstance(node, FieldCond) and node.op not in NEGATIONS:
        key = frozenset(node.field.path[:1])
        if node.field.scope == "traits":
            return Requirements(traits=key)
        if node.field.scope == "account":
            return Requirements(account_traits=key)
    return Requirements()  # a negation, a computed field, consent, a segment
