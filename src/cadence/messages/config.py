"""Reading message definitions (the workspace ``messages:`` section and the API's body).

Every problem is named by its path: ``messages[1].subject``, or ``subject`` for the API,
and template problems carry their line and column:
``messages[0].html: line 3, column 12: unknown variable 'contct'; did you mean 'contact'?``
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from cadence.conditions import join_path, validate_condition
from cadence.errors import FieldError, InputError
from cadence.messages.blocks import read_blocks
from cadence.messages.models import CHANNEL_PARTS, CHANNELS, ON_LIMIT, Message
from cadence.messages.render import check_parts

KEY: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
TOPIC: Final = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")  # as consent topics are named
CONTENT: Final = ("subject", "preheader", "html", "text", "json")
FIELDS: Final = frozenset({"key", "channel", "topic", "priority", "on_limit", "blocks", *CONTENT})
MAX_TEMPLATE: Final = 256 * 1024
PRIORITY_RANGE: Final = (-1000, 1000)


def parse_section(raw: Any) -> tuple[list[Message], list[FieldError]]:
    """The ``messages:`` list: every message that is valid, and every problem."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [FieldError("messages", "must be a list of messages")]
    messages: list[Message] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"messages[{index}]"
        problems: list[FieldError] = []
        message = read_message(item, path=path, errors=problems)
        if message is not None and message.key in seen:
            problems.append(FieldError(f"{path}.key", "duplicate key"))
        if message is not None and not problems:
            problems += check_message(message, path=path)
        if message is not None and not problems:
            seen.add(message.key)
            messages.append(message)
        errors += problems
    return messages, errors


def validate(raw: Any, *, key: str | None = None) -> Message:
    """One message from an API body (its key may come from the URL); raises InputError."""
    if isinstance(raw, Mapping) and key is not None:
        if "key" in raw and raw["key"] != key:
            raise InputError([FieldError("key", "does not match the key in the path")])
        raw = {**raw, "key": key}
    errors: list[FieldError] = []
    message = read_message(raw, path="", errors=errors)
    if message is not None and not errors:
        errors += check_message(message, path="")
    if message is None or errors:
        raise InputError(errors)
    return message


def read_message(raw: Any, *, path: str, errors: list[FieldError]) -> Message | None:
    """The shape of one message (templates are checked by ``check_message``)."""
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path or "body", "must be a mapping (key, channel, topic, ...)"))
        return None
    before = len(errors)
    for unknown in sorted(set(raw) - FIELDS, key=str):
        errors.append(FieldError(join_path(path, str(unknown)), "unknown field"))
    key, channel, topic = raw.get("key"), raw.get("channel"), raw.get("topic")
    if not isinstance(key, str) or not KEY.match(key):
        errors.append(FieldError(join_path(path, "key"), "lower-case letters, digits, - and _"))
    if channel not in CHANNELS:
        errors.append(FieldError(join_path(path, "channel"), f"one of {', '.join(CHANNELS)}"))
    if not isinstance(topic, str) or not TOPIC.match(topic):
        message = "a consent topic: a lower-case letter, then letters, digits, - and _"
        errors.append(FieldError(join_path(path, "topic"), message))
    priority = raw.get("priority", 0)
    low, high = PRIORITY_RANGE
    if isinstance(priority, bool) or not isinstance(priority, int) or not low <= priority <= high:
        errors.append(FieldError(join_path(path, "priority"), f"an integer from {low} to {high}"))
    on_limit = raw.get("on_limit", "defer")
    if on_limit not in ON_LIMIT:
        errors.append(FieldError(join_path(path, "on_limit"), f"one of {', '.join(ON_LIMIT)}"))
    if isinstance(channel, str) and channel in CHANNELS:
        _check_content(raw, channel, path, errors)
    blocks = read_blocks(raw.get("blocks"), path=join_path(path, "blocks"), errors=errors)
    if len(errors) > before:
        return None
    return Message(
        key=str(key),
        channel=str(channel),
        topic=str(topic),
        priority=int(priority),
        on_limit=str(on_limit),
        subject=raw.get("subject"),
        preheader=raw.get("preheader"),
        html=raw.get("html"),
        text=raw.get("text"),
        json=raw.get("json"),
        blocks=blocks,
    )


def _check_content(
    raw: Mapping[str, Any], channel: str, path: str, errors: list[FieldError]
) -> None:
    allowed, required = CHANNEL_PARTS[channel]
    for part in CONTENT:
        if part not in raw:
            continue
        where = join_path(path, part)
        value = raw[part]
        if part not in allowed:
            errors.append(FieldError(where, f"not used by {channel} messages"))
        elif part == "json":
            if not isinstance(value, dict | list):
                errors.append(
                    FieldError(where, "a JSON object or list (string values are templates)")
                )
        elif not isinstance(value, str):
            errors.append(FieldError(where, "a template (text)"))
        elif len(value) > MAX_TEMPLATE:
            errors.append(FieldError(where, f"at most {MAX_TEMPLATE} characters"))
    for group in required:
        if not any(raw.get(part) for part in group):
            names = " or ".join(sorted(group))
            errors.append(
                FieldError(join_path(path, min(group)), f"{channel} messages need {names}")
            )


def check_message(message: Message, *, path: str) -> list[FieldError]:
    """Template and condition problems of a well-formed message, with line and column."""
    errors: list[FieldError] = []
    for name, options in message.blocks:
        for index, option in enumerate(options):
            where = f"{join_path(path, 'blocks')}.{name}[{index}]"
            if option.when is not None:
                for problem in validate_condition(option.when):
                    field = f"{where}.when" + (f".{problem.path}" if problem.path else "")
                    errors.append(FieldError(field.replace(".[", "["), problem.message))
    errors += check_parts(message, path=path)
    return errors
