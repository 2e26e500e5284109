"""Lenient access to a parsed report: decoded headers, part text, and the MIME tree.

compat32 is used rather than ``policy.default``: it never raises when a header is
read (``policy.default`` parses addresses and dates on access and can fail on the
malformed ones bounces are full of), and it keeps a broken part as text instead
of guessing at its structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesParser, HeaderParser

# Reports are a few kilobytes of text; anything past this is attachments we do not need.
MAX_TEXT = 256 * 1024

ORIGINAL_TYPES = frozenset(
    {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global"}
)
_FOLD = re.compile(r"\r?\n[ \t]+")


def parse_bytes(raw: bytes) -> Message:
    """Parse raw message bytes without validating anything.

    The standard parser recurses once per nested part; a message nested past
    Python's recursion limit is read as headers plus one text body instead.
    """
    parser = BytesParser(policy=policy.compat32)
    try:
        return parser.parsebytes(raw)
    except RecursionError:
        return parser.parsebytes(raw, headersonly=True)


def parse_headers(text: str) -> Message:
    """Parse a header block (the returned original's headers) from text."""
    return HeaderParser(policy=policy.compat32).parsestr(text, headersonly=True)


def decode_value(value: object) -> str:
    """A header value as readable text: RFC 2047 words decoded, folding removed."""
    if value is None:
        return ""
    if not isinstance(value, (str, Header)):
        value = str(value)
    try:
        chunks = decode_header(value)
    except Exception:  # malformed encoded words: keep what is there
        return _unfold(str(value))
    text = "".join(_chunk_text(chunk, charset) for chunk, charset in chunks)
    return _unfold(text)


def _chunk_text(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    return decode_bytes(chunk, charset)


def _unfold(text: str) -> str:
    return _FOLD.sub(" ", text).strip()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes as text in ``charset``, falling back to UTF-8 with replacement."""
    for candidate in (charset, "utf-8"):
        if not candidate or candidate == "unknown-8bit":
            continue
        try:
            return data.decode(candidate, errors="replace")
        except (LookupError, ValueError):
            continue
    return data.decode("utf-8", errors="replace")


def header(msg: Message, name: str) -> str:
    """The first ``name`` header of ``msg`` as decoded text, or ``""``."""
    try:
        return decode_value(msg.get(name))
    except Exception:
        return ""


def headers(msg: Message) -> list[tuple[str, str]]:
    """Every header of ``msg`` as decoded (name, value) pairs, in order."""
    try:
        items = msg.items()
    except Exception:
        return []
    return [(str(name), decode_value(value)) for name, value in items]


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().strip().lower()
    except Exception:
        return "text/plain"


def part_text(part: Message) -> str:
    """The decoded text of a leaf part, or of a parsed ``message/*`` part's fields."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(_message_as_fields(sub) for sub in payload if isinstance(sub, Message))
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        return str(payload)[:MAX_TEXT]
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data[:MAX_TEXT], charset)


def _message_as_fields(msg: Message) -> str:
    """A field block (as the parser splits ``message/delivery-status``) back as text."""
    lines = [f"{name}: {value}" for name, value in headers(msg)]
    body = msg.get_payload()
    if isinstance(body, str) and body.strip():
        lines.append(body)
    return "\n".join(lines)


def iter_leaves(msg: Message) -> Iterator[Message]:
    """Leaf parts of the report itself, not descending into a returned original."""
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = part.get_payload()
        ctype = content_type(part)
        if part.is_multipart() and ctype.startswith("multipart/") and isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
        else:
            yield part


def originals(msg: Message) -> Iterator[Message]:
    """Returned original messages or header blocks attached to the report."""
    for part in iter_leaves(msg):
        if content_type(part) not in ORIGINAL_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            yield from (p for p in payload if isinstance(p, Message))
        else:
            yield parse_headers(part_text(part))


def body_texts(msg: Message) -> list[str]:
    """The human-readable text parts of the report, HTML reduced to text."""
    texts: list[str] = []
    for part in iter_leaves(msg):
        ctype = content_type(part)
        if ctype in ORIGINAL_TYPES or not ctype.startswith(("text/", "multipart/")):
            continue
        text = part_text(part)
        texts.append(html_to_text(text) if ctype == "text/html" else text)
    return texts


_TAG = re.compile(r"<[^<>]{0,2000}>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/tr|/li|p|div|tr|li)\b[^<>]{0,2000}>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(style|script)\b", re.IGNORECASE)
_ENTITIES = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&"}


def html_to_text(html: str) -> str:
    """Crude HTML to text: enough to read an HTML-only bounce notice."""
    text = _BREAK.sub("\n", _without_scripts(html[:MAX_TEXT]))
    text = _TAG.sub(" ", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


def report_type(msg: Message) -> str:
    """The ``report-type`` parameter of a ``multipart/report``, lowercased."""
    try:
        value = msg.get_param("report-type", "", header="content-type")
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231 encoded: (charset, language, value)
        value = value[2]
    return str(value or "").strip().lower()


def _without_scripts(html: str) -> str:
    """``html`` without the contents of its style and script elements."""
    kept: list[str] = []
    position = 0
    while (match := _SCRIPT.search(html, position)) is not None:
        kept.append(html[position : match.start()])
        closing = re.compile(f"</{match.group(1)}", re.IGNORECASE).search(html, match.end())
        if closing is None:
            return "".join(kept)
        position = closing.start()
    kept.append(html[position:])
    return "".join(kept)
