"""Segment messages of one visitor, shaped exactly as analytics-python puts them in a batch.

The official client sends every key of a call, ``None`` included (``userId`` and
``anonymousId`` on every type, ``category`` and ``name`` on pages), an empty ``integrations``
object, and ``context.library``; timestamps are ISO 8601 with milliseconds and an offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cadence.demo import ids
from cadence.demo.content import SITE, Page, Source

LIBRARY_NAME = "analytics-python"
LIBRARY_VERSION = "2.3.6"

Message = dict[str, Any]
Draft = tuple[int, str, Message]  # (epoch millis, messageId, message)


@dataclass(frozen=True)
class Device:
    """A browser: its anonymous id and what the site's server sees of it."""

    anonymous_id: str
    ip: str
    user_agent: str
    locale: str


def _page_context(page: Page, source: Source | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(context.page, context.campaign) for a view of ``page`` arriving from ``source``."""
    search = ""
    campaign: dict[str, Any] = {}
    if source is not None and source.utm_source:
        utm = {
            "utm_source": source.utm_source,
            "utm_medium": source.utm_medium,
            "utm_campaign": source.utm_campaign,
        }
        if source.utm_term:
            utm["utm_term"] = source.utm_term
        search = "?" + urlencode(utm)
        campaign = {
            key.removeprefix("utm_").replace("campaign", "name"): v for key, v in utm.items()
        }
    info = {
        "path": page.path,
        "url": f"{SITE}{page.path}{search}",
        "title": page.title,
        "referrer": source.referrer if source is not None else "",
        "search": search,
    }
    return info, campaign


class Emitter:
    """Collects one visitor's messages; ``finish`` orders them and stamps their timestamps."""

    def __init__(self, *, seed: int, visitor: str) -> None:
        self._seed = seed
        self._visitor = visitor
        self._drafts: list[tuple[int, int, Message]] = []

    def _add(self, at: int, message: Message, context: dict[str, Any]) -> None:
        seq = len(self._drafts)
        context["library"] = {"name": LIBRARY_NAME, "version": LIBRARY_VERSION}
        message["context"] = context
        message["integrations"] = {}
        message["messageId"] = ids.message_id(seed=self._seed, visitor=self._visitor, seq=seq)
        self._drafts.append((at, seq, message))

    @staticmethod
    def _device_context(device: Device | None) -> dict[str, Any]:
        if device is None:
            return {}
        return {"ip": device.ip, "userAgent": device.user_agent, "locale": device.locale}

    def page(
        self,
        at: int,
        *,
        page: Page,
        device: Device,
        user_id: str | None,
        source: Source | None = None,
    ) -> None:
        info, campaign = _page_context(page, source)
        properties = {key: value for key, value in info.items() if value or key == "referrer"}
        context = self._device_context(device) | {"page": info}
        if campaign:
            context["campaign"] = campaign
        message = {
            "type": "page",
            "userId": user_id,
            "anonymousId": device.anonymous_id,
            "name": page.name,
            "category": page.category,
            "properties": properties,
        }
        self._add(at, message, context)

    def track(
        self,
        at: int,
        *,
        event: str,
        properties: dict[str, Any],
        user_id: str | None,
        device: Device | None = None,
        page: Page | None = None,
    ) -> None:
        """A track call; with a device it came from the site, without from a server."""
        context = self._device_context(device)
        if page is not None:
            context["page"] = _page_context(page, None)[0]
        message = {
            "type": "track",
            "event": event,
            "userId": user_id,
            "anonymousId": device.anonymous_id if device else None,
            "properties": properties,
        }
        self._add(at, message, context)

    def identify(
        self, at: int, *, user_id: str, traits: dict[str, Any], device: Device | None = None
    ) -> None:
        message = {
            "type": "identify",
            "userId": user_id,
            "anonymousId": device.anonymous_id if device else None,
            "traits": traits,
        }
        self._add(at, message, self._device_context(device))

    def group(self, at: int, *, user_id: str, group_id: str, traits: dict[str, Any]) -> None:
        message = {
            "type": "group",
            "userId": user_id,
            "anonymousId": None,
            "groupId": group_id,
            "traits": traits,
        }
        self._add(at, message, {})

    def alias(self, at: int, *, previous_id: str, user_id: str) -> None:
        message = {
            "type": "alias",
            "userId": user_id,
            "anonymousId": None,
            "previousId": previous_id,
        }
        self._add(at, message, {})

    def finish(self, *, end_ms: int) -> list[Draft]:
        """Messages in time order, each strictly after the previous one, none after ``end_ms``."""
        self._drafts.sort(key=lambda draft: (draft[0], draft[1]))
        result: list[Draft] = []
        last = -1
        for at, _, message in self._drafts:
            at = max(at, last + 1)
            if at > end_ms:
                break
            last = at
            message["timestamp"] = ids.iso_millis(at)
            result.append((at, message["messageId"], message))
        return result
