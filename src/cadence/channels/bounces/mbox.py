"""Split a mailbox-style file (mbox "From " separator lines) into raw messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

# An mbox separator: "From " then a sender and a date; a body line merely starting
# with "From " is escaped as ">From " by writers, but not always, so ask for a date.
_SEPARATOR = re.compile(
    rb"^From \S*\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+\w{3}\s+\d{1,2}\s+\d{1,2}:\d{2}"
)
_ESCAPED_FROM = re.compile(rb"^>(>*From )")


def iter_mbox(path: str | Path) -> Iterator[bytes]:
    """Each message in the mbox file at ``path``, as raw bytes without its separator line."""
    with Path(path).open("rb") as handle:
        yield from split_mbox(handle)


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Each message in an mbox given as byte lines (a file opened in binary mode will do).

    A file with no separator line at all is taken to be a single message; blank
    stretches between separators are not messages.
    """
    current: list[bytes] = []
    for line in lines:
        if _SEPARATOR.match(line):
            yield from _message(current)
            current = []
        else:
            current.append(_ESCAPED_FROM.sub(rb"\1", line))
    yield from _message(current)


def _message(lines: list[bytes]) -> Iterator[bytes]:
    if any(line.strip() for line in lines):
        yield b"".join(lines).rstrip(b"\r\n") + b"\n"
