"""Factories and Hypothesis strategies for consent tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from cadence.consent.config import ConsentRules, PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import (
    ALL_TOPICS,
    DAY_MS,
    HOUR_MS,
    SOURCE_ACTIONS,
    Action,
    Basis,
    Frequency,
    Source,
)
from cadence.consent.state import ConsentRow, ContactConsent, fold

# email needs double opt-in, sms does not; implied consent lapses fast so tests see it happen
CONFIG = PermissionConfig(
    topics=("news", "offers", "events"),
    channels=("email", "sms"),
    frequencies=tuple(Frequency),
    consent=ConsentRules(
        implied_expiry_days=30, double_opt_in=frozenset({"email"}), confirm_expiry_hours=72
    ),
)
T0 = 1_700_000_000_000


def entry(
    action: Action | str = Action.GRANTED,
    *,
    at: int = T0,
    channel: str = "sms",
    topic: str = "news",
    contact_id: int = 1,
    **fields: Any,
) -> LedgerEntry:
    """An entry with sensible defaults: express form grants, unsubscribes, DOI confirmations."""
    action = Action(action)
    by_action: dict[Action, dict[str, Any]] = {
        Action.GRANTED: {"source": Source.FORM, "basis": Basis.EXPRESS, "wording": "Yes please"},
        Action.PENDING: {"source": Source.FORM, "basis": Basis.EXPRESS, "wording": "Yes please"},
        Action.CONFIRMED: {"source": Source.DOUBLE_OPT_IN},
        Action.WITHDRAWN: {"source": Source.PREFERENCE_CENTER},
        Action.EXPIRED: {"source": Source.SYSTEM},
    }
    defaults = by_action[action]
    return LedgerEntry(
        contact_id=contact_id,
        channel=channel,
        topic=topic,
        action=action,
        at=at,
        **{**defaults, **fields},
    )


def state_of(*entries: LedgerEntry) -> ContactConsent:
    return fold(entries=entries, config=CONFIG)


def row(state: ContactConsent, channel: str = "sms", topic: str = "news") -> ConsentRow:
    """The row governing (channel, topic), which the test expects to exist."""
    found = state.row_for(channel=channel, topic=topic)
    assert found is not None
    return found


def days(count: float) -> int:
    return round(count * DAY_MS)


def hours(count: float) -> int:
    return round(count * HOUR_MS)


optional_text = st.none() | st.text(max_size=30)


@st.composite
def ledger_entries(
    draw: st.DrawFn,
    /,
    *,
    contact_ids: tuple[int, ...] = (1,),
    channels: tuple[str, ...] = ("email", "sms"),
    topics: tuple[str, ...] = ("news", "offers", ALL_TOPICS),
    span_hours: int = 24 * 200,
) -> LedgerEntry:
    """Any valid entry; times fall on whole hours (plus jitter) within ``span_hours``."""
    action = draw(st.sampled_from(list(Action)))
    sources = sorted(source for source, allowed in SOURCE_ACTIONS.items() if action in allowed)
    at = T0 + draw(st.integers(0, span_hours)) * HOUR_MS + draw(st.sampled_from([0, 0, 1, 999]))
    granting = action in (Action.GRANTED, Action.PENDING, Action.CONFIRMED)
    basis = None
    if action in (Action.GRANTED, Action.PENDING):
        basis = draw(st.sampled_from(list(Basis)))
    elif action is Action.CONFIRMED:
        basis = draw(st.none() | st.sampled_from(list(Basis)))
    extras: dict[str, Any] = {}
    if granting:
        extras["expires_at"] = draw(
            st.none() | st.integers(1, 120 * 24).map(lambda h: at + h * HOUR_MS)
        )
        extras["frequency"] = draw(st.none() | st.sampled_from(list(Frequency)))
        extras["paused_until"] = draw(
            st.none() | st.integers(-48, 90 * 24).map(lambda h: at + h * HOUR_MS)
        )
    return LedgerEntry(
        contact_id=draw(st.sampled_from(contact_ids)),
        channel=draw(st.sampled_from(channels)),
        topic=draw(st.sampled_from(topics)),
        action=action,
        source=draw(st.sampled_from(sources)),
        at=at,
        basis=basis,
        wording=draw(optional_text),
        ip=draw(st.none() | st.ip_addresses().map(str)),
        user_agent=draw(optional_text),
        **extras,
    )


@st.composite
def ledgers(
    draw: st.DrawFn, /, *, min_size: int = 0, max_size: int = 25, **kwargs: Any
) -> list[LedgerEntry]:
    """Ledgers over a few hours (ties, pending requests) up to months (lapses, pauses)."""
    span = draw(st.sampled_from([3, 96, 24 * 45, 24 * 200]))
    entries = ledger_entries(span_hours=span, **kwargs)
    return draw(st.lists(entries, min_size=min_size, max_size=max_size))


@dataclass(frozen=True)
class Scenario:
    entries: list[LedgerEntry]
    suppressed: bool
    sends: list[int]
    channel: str
    topic: str
    at: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A message and a contact's history, steered so every branch of the gate is reached often:
    usually a grant for the message's channel and topic (or '*'), then random entries.
    Unknown channels and topics get grants too, as after a change of the workspace."""
    rarely = st.sampled_from([False] * 9 + [True])
    channel = "fax" if draw(rarely) else draw(st.sampled_from(["email", "sms"]))
    known = st.sampled_from(["news", "offers", "events"])
    topic = draw(st.sampled_from(["cats", ALL_TOPICS]) if draw(rarely) else known)
    start = T0 + hours(draw(st.integers(0, 24 * 10)))
    entries: list[LedgerEntry] = []
    if draw(st.integers(0, 4)) > 0:

        def when(low: int) -> st.SearchStrategy[int]:
            return st.integers(low, 24 * 20).map(lambda offset: start + hours(offset))

        entries.append(
            entry(
                at=start,
                channel=channel,  # 'fax': a channel since removed from the workspace
                topic=draw(st.sampled_from([topic, ALL_TOPICS])),
                basis=draw(st.sampled_from(list(Basis))),
                frequency=draw(st.none() | st.sampled_from(list(Frequency))),
                paused_until=draw(st.none() | when(-5)),
                expires_at=draw(st.none() | when(1)),
            )
        )
        if channel == "email" and draw(st.integers(0, 3)) > 0:
            confirm_at = start + hours(draw(st.integers(0, 80)))
            entries.append(
                entry(Action.CONFIRMED, at=confirm_at, channel="email", topic=ALL_TOPICS)
            )
    noise = draw(st.sampled_from([0, 0, 2, 6, 20]))
    entries += draw(ledgers(max_size=noise, contact_ids=(1, 2)))
    at = start + hours(draw(st.integers(-2, 24 * 4) | st.integers(-2, 24 * 40)))
    offsets = st.lists(
        st.integers(-24 * 10, 24 * 10) | st.integers(-24 * 100, 24 * 100), max_size=3
    )
    return Scenario(
        entries=draw(st.permutations(entries)),
        suppressed=draw(st.sampled_from([False, False, False, True])),
        sends=[at + hours(offset) for offset in draw(offsets)],
        channel=channel,
        topic=topic,
        at=at,
    )
