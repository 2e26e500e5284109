"""The seller's marketing calendar inside the demo window: email campaigns and webinars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cadence.demo.content import WEBINAR_TOPICS

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_SEASONS = (
    "winter",
    "winter",
    "spring",
    "spring",
    "spring",
    "summer",
    "summer",
    "summer",
    "autumn",
    "autumn",
    "autumn",
    "winter",
)


@dataclass(frozen=True)
class EmailCampaign:
    key: str  # short, reused across sends ("newsletter", "spring", "launch"...)
    campaign_id: str
    name: str
    subject: str
    topic: str
    link_path: str
    sent_ms: int


@dataclass(frozen=True)
class Webinar:
    webinar_id: str
    name: str
    starts_ms: int
    duration_minutes: int


@dataclass(frozen=True)
class Calendar:
    start_ms: int
    end_ms: int
    emails: tuple[EmailCampaign, ...]
    webinars: tuple[Webinar, ...]
    launch_ms: int | None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _weekday_on_or_after(day: datetime, weekday: int) -> datetime:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _months(start: datetime, end: datetime) -> list[datetime]:
    """First day of each calendar month that starts inside [start, end]."""
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    result = []
    while month <= end:
        if month >= start - timedelta(days=31):
            result.append(month)
        month = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return result


def build_calendar(*, start_ms: int, end_ms: int) -> Calendar:
    """Weekly newsletters, a monthly seasonal offer, monthly webinars with an invitation,
    and one product launch 40 days before the end of the window."""
    start = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    end = datetime.fromtimestamp(end_ms / 1000, tz=UTC)
    emails: list[EmailCampaign] = []
    webinars: list[Webinar] = []
    day = _weekday_on_or_after(start.replace(hour=9, minute=0, second=0, microsecond=0), 1)
    issue = 1
    while day < end:
        if day > start:
            emails.append(
                EmailCampaign(
                    "newsletter",
                    f"cmp-newsletter-{day:%Y%m%d}",
                    f"The Lumen Brief #{issue}",
                    f"The Lumen Brief #{issue}: what top B2B teams measured this week",
                    "news",
                    "/blog/",
                    _ms(day),
                )
            )
            issue += 1
        day += timedelta(days=7)
    for month in _months(start, end):
        promo = _weekday_on_or_after(month.replace(hour=14), 3) + timedelta(days=7)
        season = _SEASONS[month.month - 1]
        emails.append(
            EmailCampaign(
                season,
                f"cmp-{season}-{month:%Y%m}",
                f"{season.title()} offer {month:%B %Y}",
                f"Your {season} offer: 20% off onboarding",
                "offers",
                "/pricing",
                _ms(promo),
            )
        )
        live = _weekday_on_or_after(month.replace(hour=16), 2) + timedelta(days=14)
        topic = WEBINAR_TOPICS[(month.year * 12 + month.month) % len(WEBINAR_TOPICS)]
        webinar = Webinar(f"web-{month:%Y%m}", topic, _ms(live), 45)
        webinars.append(webinar)
        invite = live - timedelta(days=8)
        emails.append(
            EmailCampaign(
                "webinar-invite",
                f"cmp-invite-{month:%Y%m}",
                f"Webinar invitation {month:%B %Y}",
                f"Join us live: {topic}",
                "events",
                "/webinars",
                _ms(invite),
            )
        )
    launch_ms: int | None = None
    if end - start >= timedelta(days=60):
        launch = (end - timedelta(days=40)).replace(hour=15, minute=0, second=0, microsecond=0)
        launch_ms = _ms(launch)
        emails.append(
            EmailCampaign(
                "launch",
                f"cmp-launch-{launch:%Y%m%d}",
                "Forecasting launch",
                "Introducing Lumen Forecasting",
                "products",
                "/product/forecasting",
                launch_ms,
            )
        )
    inside = sorted((e for e in emails if start_ms < e.sent_ms < end_ms), key=lambda e: e.sent_ms)
    return Calendar(
        start_ms=start_ms,
        end_ms=end_ms,
        emails=tuple(inside),
        webinars=tuple(w for w in webinars if start_ms < w.starts_ms < end_ms + 30 * DAY_MS),
        launch_ms=launch_ms,
    )
