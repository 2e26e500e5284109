"""The returned original message: its Message-ID, recipient and our X-Cadence-* headers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from cadence.channels.bounces.fields import find_address
from cadence.channels.bounces.mime import (
    content_type,
    header,
    headers,
    originals,
    parse_bytes,
    parse_headers,
)

CADENCE_PREFIX = "x-cadence-"

_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,60}):[ \t]*\S?")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
# A report pasted into another one's text, headers and all.
_REPORT_IN_TEXT = re.compile(r"^content-type:\s*multipart/report", re.IGNORECASE | re.MULTILINE)
# Header names that show a block of text is the returned message's header section.
_ORIGINAL_MARKERS = frozenset({"message-id", "to", "x-cadence-message", "x-cadence-contact"})
_BLOCK_STARTERS = frozenset(
    {
        "return-path",
        "received",
        "message-id",
        "from",
        "to",
        "subject",
        "date",
        "dkim-signature",
        "mime-version",
        "delivered-to",
        "x-original-to",
        "reply-to",
        "content-type",
    }
)


@dataclass(frozen=True, slots=True)
class Original:
    """What we could read of the message that bounced or was complained about."""

    message_id: str | None = None
    recipient: str | None = None
    sender: str | None = None
    cadence_headers: dict[str, str] = field(default_factory=dict)


def read_original(msg: Message, *, texts: list[str]) -> Original:
    """The original from an attached part, else from a copy inlined in ``texts``."""
    found = [_summarise(o) for o in originals(msg)]
    found += [_summarise(block) for block in _inline_blocks(texts)]
    return _merge(found)


def embedded_reports(msg: Message, text: str) -> list[Message]:
    """Reports inside ``msg``: an attached bounce, or one pasted into its text."""
    attached = [o for o in originals(msg) if content_type(o).startswith("multipart/")]
    pasted = _REPORT_IN_TEXT.search(text)
    if pasted:
        lines = text[: pasted.start()].splitlines()
        start = len(lines)
        while start > 0 and (
            _HEADER_LINE.match(lines[start - 1]) or lines[start - 1][:1] in (" ", "\t")
        ):
            start -= 1
        block = "\n".join([*lines[start:], text[pasted.start() :]])
        attached.append(parse_bytes(block.encode("utf-8", "surrogateescape")))
    return attached


def original_from_headers(pairs: list[tuple[str, str]]) -> Original:
    """An original known only as (name, value) header pairs (e.g. from a JSON notification)."""
    msg = Message()
    for name, value in pairs:
        msg[name] = value
    return _summarise(msg)


def _summarise(msg: Message) -> Original:
    message_id = _MESSAGE_ID.search(header(msg, "Message-ID"))
    cadence = {
        _canonical(name): value.strip()
        for name, value in headers(msg)
        if name.lower().startswith(CADENCE_PREFIX) and value.strip()
    }
    return Original(
        message_id=message_id.group(0) if message_id else None,
        recipient=find_address(header(msg, "To")),
        sender=find_address(header(msg, "From")),
        cadence_headers=cadence,
    )


def _merge(found: list[Original]) -> Original:
    """First non-empty value of each field, attached parts before inlined copies."""
    cadence: dict[str, str] = {}
    for original in reversed(found):
        cadence.update(original.cadence_headers)
    return Original(
        message_id=next((o.message_id for o in found if o.message_id), None),
        recipient=next((o.recipient for o in found if o.recipient), None),
        sender=next((o.sender for o in found if o.sender), None),
        cadence_headers=cadence,
    )


def _canonical(name: str) -> str:
    return "-".join(word.capitalize() for word in name.strip().split("-"))


def _inline_blocks(texts: list[str]) -> list[Message]:
    """Header blocks found inside text parts: a returned original copied into the body."""
    blocks: list[Message] = []
    for text in texts:
        lines = text.splitlines()
        index = 0
        while index < len(lines) and len(blocks) < 4:
            end = _header_block_end(lines, index)
            if end > index:
                block = "\n".join(lines[index:end])
                names = {m.group(1).lower() for m in map(_HEADER_LINE.match, lines[index:end]) if m}
                if names & _ORIGINAL_MARKERS:
                    blocks.append(parse_headers(block + "\n\n"))
                index = end
            index += 1
    return blocks


def _header_block_end(lines: list[str], start: int) -> int:
    """End of a run of at least two header lines starting at ``start``, else ``start``."""
    first = _HEADER_LINE.match(lines[start])
    if first is None or first.group(1).lower() not in _BLOCK_STARTERS:
        return start
    end = start + 1
    count = 1
    while end < len(lines) and lines[end].strip():
        line = lines[end]
        if line[0] in " \t":
            end += 1
            continue
        if _HEADER_LINE.match(line) is None:
            break
        count += 1
        end += 1
    return end if count >= 2 else start
