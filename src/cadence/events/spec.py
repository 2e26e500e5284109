"""The Segment HTTP Tracking API message shapes, validated into plain ``Event`` values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

from cadence.db.types import to_millis
from cadence.errors import FieldError

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")


def _id_to_str(value: Any) -> Any:
    # The clients send ids as strings; numbers are common in hand-written calls.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


Ident = Annotated[str, BeforeValidator(_id_to_str), Field(min_length=1, max_length=255)]
Props = dict[str, Any]


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=False)

    messageId: Ident | None = None
    userId: Ident | None = None
    anonymousId: Ident | None = None
    timestamp: datetime | None = None
    originalTimestamp: datetime | None = None
    sentAt: datetime | None = None
    context: Props = Field(default_factory=dict)


class _Identify(_Message):
    type: Literal["identify"]
    traits: Props = Field(default_factory=dict)


class _Track(_Message):
    type: Literal["track"]
    event: Annotated[str, Field(min_length=1, max_length=255)]
    properties: Props = Field(default_factory=dict)


class _Page(_Message):
    type: Literal["page"]
    name: Annotated[str, Field(max_length=255)] | None = None
    category: Annotated[str, Field(max_length=255)] | None = None
    properties: Props = Field(default_factory=dict)


class _Screen(_Page):
    type: Literal["screen"]  # type: ignore[assignment]


class _Group(_Message):
    type: Literal["group"]
    groupId: Ident
    traits: Props = Field(default_factory=dict)


class _Alias(_Message):
    type: Literal["alias"]
    previousId: Ident
    userId: Ident


_Any = Annotated[
    _Identify | _Track | _Page | _Screen | _Group | _Alias, Field(discriminator="type")
]
_ADAPTER: TypeAdapter[_Any] = TypeAdapter(_Any)


@dataclass(slots=True)
class Event:
    """One accepted call, normalised: times are epoch milliseconds, UTC."""

    message_id: str
    type: str
    user_id: str | None
    anonymous_id: str | None
    ts: int
    received_at: int
    name: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None
    previous_id: str | None = None
    # set by internal callers (REST trait updates) that already know the contact
    contact_id: int | None = None


def _millis(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_millis(value)


def _event_time(msg: _Message, batch_sent_at: datetime | None, received_at: int) -> int:
    """Segment's clock-skew correction: ``timestamp + (receivedAt - sentAt)``."""
    stamp = msg.timestamp or msg.originalTimestamp
    if stamp is None:
        return received_at
    sent_at = msg.sentAt or batch_sent_at
    ts = _millis(stamp)
    if sent_at is not None:
        ts += received_at - _millis(sent_at)
    return ts


def _location(prefix: str, loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in CALL_TYPES]
    path = prefix
    for part in parts:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path.lstrip(".") or "body"


def parse_message(
    raw: Any,
    *,
    where: str,
    received_at: int,
    batch_sent_at: datetime | None = None,
    call_type: str | None = None,
    max_bytes: int | None = None,
) -> Event | list[FieldError]:
    """Validate one Segment call; ``where`` prefixes error fields (e.g. ``batch[3]``)."""
    if not isinstance(raw, dict):
        return [FieldError(where or "body", "must be a JSON object")]
    if call_type is not None:
        raw = {**raw, "type": call_type}
    kind = raw.get("type")
    if kind not in CALL_TYPES:
        allowed = ", ".join(CALL_TYPES)
        return [
            FieldError(_location(where, ("type",)), f"unknown call type {kind!r}; use {allowed}")
        ]
    if max_bytes is not None and len(orjson.dumps(raw)) > max_bytes:
        return [FieldError(where or "body", f"event larger than {max_bytes // 1024} KB")]
    try:
        msg = _ADAPTER.validate_python(raw)
    except ValidationError as error:
        return [
            FieldError(_location(where, tuple(e["loc"])), e["msg"])
            for e in error.errors(include_url=False)
        ]
    if msg.userId is None and msg.anonymousId is None:
        return [FieldError(_location(where, ("userId",)), "userId or anonymousId is required")]
    return _to_event(msg, batch_sent_at=batch_sent_at, received_at=received_at)


def _to_event(msg: _Message, *, batch_sent_at: datetime | None, received_at: int) -> Event:
    event = Event(
        message_id=msg.messageId or f"cadence-{uuid.uuid4()}",
        type="",
        user_id=msg.userId,
        anonymous_id=msg.anonymousId,
        ts=_event_time(msg, batch_sent_at, received_at),
        received_at=received_at,
        context=msg.context,
    )
    if isinstance(msg, _Identify):
        event.type, event.traits = "identify", msg.traits
    elif isinstance(msg, _Track):
        event.type, event.name, event.properties = "track", msg.event, msg.properties
    elif isinstance(msg, _Page):  # screens too
        event.type = msg.type
        event.name = "Page Viewed" if msg.type == "page" else "Screen Viewed"
        event.properties = dict(msg.properties)
        if msg.name is not None:
            event.properties.setdefault("name", msg.name)
        if msg.category is not None:
            event.properties.setdefault("category", msg.category)
        page = msg.context.get("page")
        if isinstance(page, dict):
            for key in ("path", "url", "title", "referrer", "search"):
                if key in page:
                    event.properties.setdefault(key, page[key])
    elif isinstance(msg, _Group):
        event.type, event.group_id, event.traits = "group", msg.groupId, msg.traits
    elif isinstance(msg, _Alias):
        event.type, event.previous_id = "alias", msg.previousId
    return event
