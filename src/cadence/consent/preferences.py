"""What a preference-center submission means for the ledger: pure planning, no storage.

The person sees a checkbox per channel and topic, a frequency per topic and a pause. The
plan turns their answer into ledger entries (source ``preference_center``) and into the
choices the marketers' report counts: reduced frequency, paused, left a topic, left
everything. Rows awaiting double opt-in stay as they are until confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import (
    ALL_TOPICS,
    DAY_MS,
    FREQUENCY_WINDOW_MS,
    Action,
    Basis,
    Frequency,
    Source,
    Status,
)
from cadence.consent.state import ConsentRow, ContactConsent

PAUSE_DAYS: Final = (30, 60, 90)
_ACTIVE: Final = (Status.GRANTED, Status.PENDING)


class Kind(StrEnum):
    """What a person chose (one row each in ``preference_choices``)."""

    SUBSCRIBED = "subscribed"
    REDUCED_FREQUENCY = "reduced_frequency"
    INCREASED_FREQUENCY = "increased_frequency"
    PAUSED = "paused"
    RESUMED = "resumed"
    TOPIC_UNSUBSCRIBE = "topic_unsubscribe"
    FULL_UNSUBSCRIBE = "full_unsubscribe"


@dataclass(frozen=True, kw_only=True)
class Choice:
    kind: Kind
    channel: str | None = None
    topic: str | None = None


@dataclass(frozen=True, kw_only=True)
class Choices:
    """A submitted preference form: ticked (channel, topic) pairs, frequency per topic,
    pause in days (None: leave as is, 0: end a pause)."""

    subscribed: frozenset[tuple[str, str]]
    frequency: Mapping[str, Frequency] = field(default_factory=dict)
    pause_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    entries: list[LedgerEntry]
    choices: list[Choice]


def wording_for(*, channel: str, topic: str) -> str:
    """The label shown next to a checkbox, recorded as the wording of its grant."""
    return f"Send me {topic.replace('_', ' ')} by {channel.replace('_', ' ')}"


def _window(frequency: Frequency | None) -> int:
    return FREQUENCY_WINDOW_MS[frequency] if frequency is not None else 0


def _status(row: ConsentRow | None, now: int) -> Status | None:
    return row.status_at(at=now) if row is not None else None


def plan_choices(
    *,
    contact_id: int,
    state: ContactConsent,
    config: PermissionConfig,
    choices: Choices,
    now: int,
) -> Plan:
    """The entries and report choices for one preference-center submission."""
    entries: list[LedgerEntry] = []
    made: list[Choice] = []
    pause_until = now + choices.pause_days * DAY_MS if choices.pause_days else None
    still_active = False
    for channel in config.channels:
        for topic in config.topics:
            row = state.row_for(channel=channel, topic=topic)
            status = _status(row, now)
            wanted = (channel, topic) in choices.subscribed
            still_active = still_active or wanted
            if wanted and status not in _ACTIVE:
                entries.append(
                    LedgerEntry(
                        contact_id=contact_id,
                        channel=channel,
                        topic=topic,
                        at=now,
                        action=Action.GRANTED,
                        source=Source.PREFERENCE_CENTER,
                        basis=Basis.EXPRESS,
                        wording=wording_for(channel=channel, topic=topic),
                        frequency=choices.frequency.get(topic),
                        paused_until=pause_until,
                    )
                )
                made.append(Choice(kind=Kind.SUBSCRIBED, channel=channel, topic=topic))
            elif not wanted and status in _ACTIVE:
                entries.append(
                    LedgerEntry(
                        contact_id=contact_id,
                        channel=channel,
                        topic=topic,
                        at=now,
                        action=Action.WITHDRAWN,
                        source=Source.PREFERENCE_CENTER,
                        wording=f"Untick: {wording_for(channel=channel, topic=topic)}",
                    )
                )
                made.append(Choice(kind=Kind.TOPIC_UNSUBSCRIBE, channel=channel, topic=topic))
            elif wanted and status is Status.GRANTED and row is not None:
                change = _adjust(row=row, choices=choices, topic=topic, now=now)
                if change is not None:
                    frequency, paused_until, kinds = change
                    entries.append(
                        _regrant(
                            row=row,
                            contact_id=contact_id,
                            channel=channel,
                            topic=topic,
                            now=now,
                            frequency=frequency,
                            paused_until=paused_until,
                        )
                    )
                    made += [Choice(kind=k, channel=channel, topic=topic) for k in kinds]
    if not still_active and any(c.kind is Kind.TOPIC_UNSUBSCRIBE for c in made):
        made = [c for c in made if c.kind is not Kind.TOPIC_UNSUBSCRIBE]
        made.append(Choice(kind=Kind.FULL_UNSUBSCRIBE))
    return Plan(entries=entries, choices=made)


def _adjust(
    *, row: ConsentRow, choices: Choices, topic: str, now: int
) -> tuple[Frequency | None, int | None, list[Kind]] | None:
    """A re-grant that keeps the consent and changes frequency or pause, if asked."""
    kinds: list[Kind] = []
    frequency = choices.frequency.get(topic)
    if frequency is not None and frequency != row.frequency:
        longer = _window(frequency) > _window(row.frequency)
        kinds.append(Kind.REDUCED_FREQUENCY if longer else Kind.INCREASED_FREQUENCY)
    else:
        frequency = None
    paused_until: int | None = None
    if choices.pause_days:
        paused_until = now + choices.pause_days * DAY_MS
        kinds.append(Kind.PAUSED)
    elif choices.pause_days == 0 and row.paused_at(at=now):
        paused_until = now  # at or before the entry's time: the pause ends
        kinds.append(Kind.RESUMED)
    if not kinds:
        return None
    return frequency, paused_until, kinds


def _regrant(
    *,
    row: ConsentRow,
    contact_id: int,
    channel: str,
    topic: str,
    now: int,
    frequency: Frequency | None,
    paused_until: int | None,
) -> LedgerEntry:
    """Fields of a grant that only changes preferences: same basis, same lapse."""
    parts = []
    if frequency is not None:
        parts.append(f"How often: {frequency.value}")
    if paused_until is not None and paused_until > now:
        parts.append(f"Take a break until {paused_until}")
    elif paused_until is not None:
        parts.append("End my break")
    return LedgerEntry(
        contact_id=contact_id,
        channel=channel,
        topic=topic,
        at=now,
        action=Action.GRANTED,
        source=Source.PREFERENCE_CENTER,
        basis=row.basis or Basis.EXPRESS,
        wording="; ".join(parts),
        frequency=frequency,
        paused_until=paused_until,
        expires_at=row.expires_at if row.expires_at is not None and row.expires_at > now else None,
    )


def plan_less_often(
    *, contact_id: int, state: ContactConsent, config: PermissionConfig, now: int
) -> Plan:
    """ "Send me less": every granted topic at most monthly (or the rarest offered)."""
    offered = list(config.frequencies)
    target = Frequency.MONTHLY if Frequency.MONTHLY in offered else max(offered, key=_window)
    entries: list[LedgerEntry] = []
    made: list[Choice] = []
    for channel in config.channels:
        for topic in config.topics:
            row = state.row_for(channel=channel, topic=topic)
            if _status(row, now) is not Status.GRANTED or row is None:
                continue
            if _window(row.frequency) >= _window(target):
                continue
            entries.append(
                _regrant(
                    row=row,
                    contact_id=contact_id,
                    channel=channel,
                    topic=topic,
                    now=now,
                    frequency=target,
                    paused_until=None,
                )
            )
            made.append(Choice(kind=Kind.REDUCED_FREQUENCY, channel=channel, topic=topic))
    return Plan(entries=entries, choices=made)


def plan_unsubscribe_all(
    *, contact_id: int, state: ContactConsent, config: PermissionConfig, now: int, source: Source
) -> Plan:
    """Withdraw every channel (all topics) that still has any consent in force or pending."""
    channels = sorted(
        {row.channel for row in state.rows.values() if row.status_at(at=now) in _ACTIVE}
        & set(config.channels)
    )
    entries = [
        LedgerEntry(
            contact_id=contact_id,
            channel=channel,
            topic=ALL_TOPICS,
            action=Action.WITHDRAWN,
            source=source,
            at=now,
            wording="Unsubscribe me from everything",
        )
        for channel in channels
    ]
    return Plan(entries=entries, choices=[Choice(kind=Kind.FULL_UNSUBSCRIBE)] if entries else [])


def plan_one_click(
    *,
    contact_id: int,
    state: ContactConsent,
    config: PermissionConfig,
    channel: str,
    topic: str,
    now: int,
) -> Plan:
    """RFC 8058: withdraw the message's topic on its channel, whatever its state."""
    entry = LedgerEntry(
        contact_id=contact_id,
        channel=channel,
        topic=topic,
        action=Action.WITHDRAWN,
        source=Source.ONE_CLICK_UNSUBSCRIBE,
        at=now,
        wording=f"One-click unsubscribe from {topic} by {channel}",
    )
    remaining = [
        key
        for key in ((c, t) for c in config.channels for t in config.topics)
        if key[0] != channel or (topic != ALL_TOPICS and key[1] != topic)
        if _status(state.row_for(channel=key[0], topic=key[1]), now) in _ACTIVE
    ]
    kind = Kind.TOPIC_UNSUBSCRIBE if remaining else Kind.FULL_UNSUBSCRIBE
    return Plan(entries=[entry], choices=[Choice(kind=kind, channel=channel, topic=topic)])
