"""The vocabulary of permission: actions, statuses, legal bases, sources, frequencies."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final

ALL_TOPICS: Final = "*"
"""The topic that stands for every topic of a channel."""

HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS


class Action(StrEnum):
    """What a ledger entry records."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"
    PENDING = "pending"  # double opt-in requested
    EXPIRED = "expired"


class Status(StrEnum):
    """The state of one (channel, topic) for a contact (the `consents.status` column)."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"
    EXPIRED = "expired"


class Basis(StrEnum):
    EXPRESS = "express"
    IMPLIED = "implied"
    LEGITIMATE_INTEREST = "legitimate_interest"


class Source(StrEnum):
    FORM = "form"
    IMPORT = "import"
    API = "api"
    PREFERENCE_CENTER = "preference_center"
    ONE_CLICK_UNSUBSCRIBE = "one_click_unsubscribe"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    DOUBLE_OPT_IN = "double_opt_in"
    SYSTEM = "system"  # the scheduler recording a lapse


class Frequency(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


FREQUENCY_WINDOW_MS: Final = MappingProxyType(
    {
        Frequency.REALTIME: 0,
        Frequency.DAILY: 1 * DAY_MS,
        Frequency.WEEKLY: 7 * DAY_MS,
        Frequency.MONTHLY: 30 * DAY_MS,
        Frequency.QUARTERLY: 91 * DAY_MS,
    }
)
"""At most one message of a topic on a channel within any window of this length (0: no limit)."""

# Which actions each source may record: a bounce or a one-click unsubscribe can only take
# permission away, only a double opt-in confirmation confirms (a preference-center link may
# have been forwarded, so it proves nothing about the address), and only the system expires.
SOURCE_ACTIONS: Final = MappingProxyType(
    {
        Source.FORM: frozenset({Action.GRANTED, Action.PENDING, Action.WITHDRAWN}),
        Source.IMPORT: frozenset({Action.GRANTED, Action.PENDING, Action.WITHDRAWN}),
        Source.API: frozenset({Action.GRANTED, Action.PENDING, Action.WITHDRAWN}),
        Source.PREFERENCE_CENTER: frozenset({Action.GRANTED, Action.PENDING, Action.WITHDRAWN}),
        Source.ONE_CLICK_UNSUBSCRIBE: frozenset({Action.WITHDRAWN}),
        Source.BOUNCE: frozenset({Action.WITHDRAWN}),
        Source.COMPLAINT: frozenset({Action.WITHDRAWN}),
        Source.DOUBLE_OPT_IN: frozenset({Action.CONFIRMED}),
        Source.SYSTEM: frozenset({Action.EXPIRED, Action.WITHDRAWN}),
    }
)
