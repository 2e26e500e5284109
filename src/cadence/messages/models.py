"""Value objects: a message definition, its content blocks, and what rendering produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

CHANNELS: Final = ("email", "sms", "webhook", "phone", "direct_mail", "social")
ON_LIMIT: Final = ("defer", "drop")
TEXT_PARTS: Final = ("subject", "preheader", "text")  # rendered without HTML escaping
PARTS: Final = ("subject", "preheader", "html", "text")

# Which content fields each channel takes, and which of them it needs.
CHANNEL_PARTS: Final[dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]]] = {
    # (allowed, required: each inner set needs at least one of its members)
    "email": (
        frozenset({"subject", "preheader", "html", "text"}),
        (frozenset({"subject"}), frozenset({"html", "text"})),
    ),
    "sms": (frozenset({"text"}), (frozenset({"text"}),)),
    "webhook": (frozenset({"json"}), (frozenset({"json"}),)),
    "phone": (frozenset({"text"}), (frozenset({"text"}),)),  # talking points for the caller
    "direct_mail": (frozenset({"html", "text"}), (frozenset({"html", "text"}),)),
    "social": (frozenset({"text"}), ()),  # audience sync; text is an optional ad note
}


@dataclass(frozen=True, kw_only=True)
class BlockOption:
    """One alternative of a content block: shown when ``when`` holds (always when None)."""

    when: Any = None  # the condition document, as written
    html: str | None = None
    text: str | None = None

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {} if self.when is None else {"when": self.when}
        if self.html is not None:
            document["html"] = self.html
        if self.text is not None:
            document["text"] = self.text
        return document


@dataclass(frozen=True, kw_only=True)
class Message:
    key: str
    channel: str
    topic: str
    priority: int = 0
    on_limit: str = "defer"
    subject: str | None = None
    preheader: str | None = None
    html: str | None = None
    text: str | None = None
    json: Any = None  # webhook body: JSON whose string leaves are templates
    blocks: tuple[tuple[str, tuple[BlockOption, ...]], ...] = ()

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "key": self.key,
            "channel": self.channel,
            "topic": self.topic,
            "priority": self.priority,
            "on_limit": self.on_limit,
        }
        for part in PARTS:
            value = getattr(self, part)
            if value is not None:
                document[part] = value
        if self.json is not None:
            document["json"] = self.json
        if self.blocks:
            document["blocks"] = {
                name: [option.as_document() for option in options] for name, options in self.blocks
            }
        return document


@dataclass(frozen=True, kw_only=True)
class MessageLinks:
    """The contact's personal links (built by ``consent.links``; placeholders in previews)."""

    preferences: str
    unsubscribe: str


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """A message personalised for one contact: the parts its channel uses."""

    key: str
    channel: str
    topic: str
    contact_id: int
    subject: str | None = None
    preheader: str | None = None
    html: str | None = None
    text: str | None = None
    json: Any = None
    blocks: dict[str, int | None] = field(default_factory=dict)  # chosen option per block

    def as_dict(self) -> dict[str, Any]:
        parts = {p: getattr(self, p) for p in (*PARTS, "json") if getattr(self, p) is not None}
        return {
            "key": self.key,
            "channel": self.channel,
            "topic": self.topic,
            "contact_id": self.contact_id,
            **parts,
            "blocks": self.blocks,
        }
