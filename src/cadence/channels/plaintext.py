"""The plain-text part of an email, derived from its HTML when the message has none.

Regular expressions rather than an HTML parser: this runs once per recipient on the send
path, and a message's HTML is our own template's output, not arbitrary markup.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Final

_HIDDEN: Final = re.compile(
    r"<(style|script|head|title)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_LINK: Final = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL
)
_ITEM: Final = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_BLOCK: Final = re.compile(
    r"</?(?:p|div|br|tr|h[1-6]|table|ul|ol|blockquote|section|article|header|footer)\b[^>]*>",
    re.IGNORECASE,
)
_TAG: Final = re.compile(r"<[^>]*>")


def _link(match: re.Match[str]) -> str:
    url = unescape(match.group(2)).strip()
    shown = _TAG.sub("", match.group(3))
    if url.startswith(("http://", "https://")) and unescape(shown).strip() != url:
        return f"{shown} ({url})"
    return shown


def html_to_text(html: str) -> str:
    """Readable text: blocks become lines, list items dashes, links keep their URL."""
    text = _HIDDEN.sub("", html)
    text = _LINK.sub(_link, text)
    text = _ITEM.sub("\n- ", text)
    text = _BLOCK.sub("\n", text)
    lines: list[str] = []
    for raw in unescape(_TAG.sub("", text)).split("\n"):
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):  # at most one blank line in a row
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
