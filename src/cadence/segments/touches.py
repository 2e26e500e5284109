"""What changed for a contact, as far as conditions can tell, and which segments and leaves
such a change concerns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cadence.conditions import Dependencies
from cadence.conditions.models import ORDER_EVENT
from cadence.segments.store import LiveSegment


@dataclass
class Touch:
    """What changed for one contact, as far as conditions can tell."""

    created: bool = False
    traits: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    accounts: bool = False
    consent: bool = False
    columns: bool = False  # score, grade, stage, purchases ... changed
    cause: str = ""
    only: frozenset[int] | None = None  # re-check just these segment ids (time-based checks)
    ingested: frozenset[str] | None = None  # contacts columns the batch moved; None: unknown

    def describe(self) -> str:
        if self.cause:
            return self.cause
        parts = []
        if self.created:
            parts.append("new contact")
        if self.events:
            parts.append("events: " + ", ".join(sorted(self.events)))
        if self.traits:
            parts.append("traits: " + ", ".join(sorted(self.traits)))
        if self.accounts:
            parts.append("account changed")
        if self.consent:
            parts.append("consent changed")
        if self.columns and not parts:
            parts.append("profile changed")
        return "; ".join(parts) or "re-evaluated"


# Contacts columns that ingestion itself moves (the rest change only through the lead
# stage, which reports them as ``Touch.columns``): any event or profile change may move
# the seen times and the profile level; only orders move the purchase aggregates.
_SEEN_COLUMNS = frozenset({"first_seen_at", "last_seen_at", "profile_level"})
_ORDER_COLUMNS = frozenset({"order_count", "revenue_total", "first_order_at", "last_order_at"})
_TRAIT_COLUMNS = frozenset({"email"})
# What the lead stage writes (scoring, grading, lifecycle; owner assignment rides on it).
LEAD_COLUMNS = frozenset(
    {"score", "score_as_of", "band", "fit", "grade", "lifecycle_stage", "owner"}
)


def could_change(segment: LiveSegment, touch: Touch, moved: set[str]) -> bool:
    """Whether ``touch`` can change the answer of ``segment``'s condition."""
    if touch.only is not None:
        return segment.id in touch.only or bool(segment.deps.segments & moved)
    deps = segment.deps
    return bool(
        touch.created
        or touch.traits & deps.traits
        or touch.events & deps.events
        or (touch.accounts and deps.account_traits)
        or (touch.consent and deps.consent_channels)
        or (touch.columns and deps.columns)
        or deps.segments & moved
        or (deps.columns and ingested_columns(touch) & deps.columns)
    )


def with_columns(touch: Touch, moved: frozenset[str]) -> None:
    """Record that ``moved`` contacts columns changed too (e.g. the lead stage's), so that
    only the segments reading them are re-evaluated (``columns=True`` re-evaluates every
    segment that reads any column)."""
    touch.ingested = ingested_columns(touch) | moved


def ingested_columns(touch: Touch) -> frozenset[str]:
    """The contacts columns ingestion may have moved for this touch."""
    if touch.ingested is not None:
        return touch.ingested
    found: frozenset[str] = frozenset()
    if touch.events or touch.traits or touch.accounts or touch.consent:
        found |= _SEEN_COLUMNS
    if ORDER_EVENT in touch.events:
        found |= _ORDER_COLUMNS
    if touch.traits:
        found |= _TRAIT_COLUMNS
    return found


@dataclass
class LeafRelevance:
    """Which leaves a touch concerns (time-based checks concern the time-dependent ones)."""

    touch: Touch
    moved: set[str]

    def touches(self, deps: Dependencies) -> bool:
        t = self.touch
        if t.only is not None:
            return deps.time_dependent or bool(deps.segments & self.moved)
        return bool(
            t.traits & deps.traits
            or t.events & deps.events
            or (t.accounts and deps.account_traits)
            or (t.consent and deps.consent_channels)
            or deps.segments & self.moved
            or (t.columns and deps.columns)
            or deps.columns & ingested_columns(t)
            or t.created
        )


def touch_kind(touch: Touch) -> tuple[Any, ...]:
    """Touches of one kind evaluate the same segments with the same reasons."""
    return (
        touch.created,
        frozenset(touch.traits),
        frozenset(touch.events),
        touch.accounts,
        touch.consent,
        touch.columns,
        touch.only,
        touch.ingested,
        touch.cause,
    )
