"""Value objects of the contact policy (the ``policy:`` workspace section)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

DAY_MS: Final = 86_400_000
HOUR_MS: Final = 3_600_000
MINUTE_MS: Final = 60_000


@dataclass(frozen=True, kw_only=True)
class Cap:
    """At most ``max`` messages on ``channel`` (``'*'``: all channels) in any ``per_days``."""

    channel: str
    max: int
    per_days: float

    @property
    def window(self) -> int:
        return int(self.per_days * DAY_MS)

    def as_document(self) -> dict[str, Any]:
        return {"channel": self.channel, "max": self.max, "per_days": self.per_days}


@dataclass(frozen=True, kw_only=True)
class QuietHours:
    """Local clock times (minutes after midnight); the span may wrap past midnight."""

    start: int
    end: int

    def as_document(self) -> dict[str, Any]:
        return {"start": _clock(self.start), "end": _clock(self.end)}


@dataclass(frozen=True, kw_only=True)
class Sunset:
    """Contacts with no response (open, click, ...) for ``after_days`` get at most ``max``
    messages per ``per_days``; after ``stop_after_days`` none, except one last ``message``."""

    after_days: float
    max: int
    per_days: float
    stop_after_days: float
    message: str | None = None

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "after_days": self.after_days,
            "max": self.max,
            "per_days": self.per_days,
            "stop_after_days": self.stop_after_days,
        }
        if self.message is not None:
            document["message"] = self.message
        return document


@dataclass(frozen=True, kw_only=True)
class Policy:
    caps: tuple[Cap, ...] = ()
    quiet_hours: QuietHours | None = None
    min_gap_hours: float = 0.0
    timezone: str = "UTC"  # the workspace's; a contact's ``timezone`` trait wins
    sunset: Sunset | None = None

    @property
    def min_gap(self) -> int:
        return int(self.min_gap_hours * HOUR_MS)

    @property
    def longest_window(self) -> int:
        windows = [cap.window for cap in self.caps] + [self.min_gap]
        if self.sunset is not None:
            windows.append(int(self.sunset.per_days * DAY_MS))
        return max(windows, default=0)

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if self.caps:
            document["caps"] = [cap.as_document() for cap in self.caps]
        if self.quiet_hours is not None:
            document["quiet_hours"] = self.quiet_hours.as_document()
        if self.min_gap_hours:
            document["min_gap_hours"] = self.min_gap_hours
        if self.timezone != "UTC":
            document["timezone"] = self.timezone
        if self.sunset is not None:
            document["sunset"] = self.sunset.as_document()
        return document


NO_POLICY: Final = Policy()


@dataclass(frozen=True, kw_only=True)
class PastSend:
    """A booked send of the contact, as the policy sees it."""

    at: int
    channel: str
    priority: int = 0
    movable: bool = False  # queued and not yet handed to a channel: may yield to a higher priority
    ref: int | None = None  # the caller's id for it (to defer or drop it)


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """The message asking to go out."""

    at: int
    channel: str
    priority: int = 0
    message_key: str | None = None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
