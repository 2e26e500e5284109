"""Recipients and reasons read from the human-readable text of non-standard bounces.

Every dialect (qmail, exim, Postfix, Sendmail, Exchange, Gmail, Yahoo, ...) lists
failed addresses in its own layout, but nearly all of them fit a few shapes: the
address alone on a line, the address followed by a colon or ``...`` and the
server's reply, or a phrase such as "delivering your mail to <address>". The lines
after an address, up to the next one, are what the server said about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from cadence.channels.bounces.classify import (
    bounce_kind,
    category_from_status,
    category_from_text,
    find_status,
    remote_mta_in,
)
from cadence.channels.bounces.fields import find_address, find_addresses
from cadence.channels.bounces.mime import header
from cadence.channels.bounces.models import BounceKind, Recipient
from cadence.channels.bounces.signals import is_delay_notice, is_permanent

_ADDR = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10}"
_ANCHORS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "<address>: the reply" / "address: the reply" (qmail, Postfix, OpenSMTPD)
        rf"^\s*<(?P<a>{_ADDR})>\s*:?\s*(?P<d>.*)$",
        rf"^\s*(?P<a>{_ADDR})\s*:\s*(?P<d>.*)$",
        # "550 <address>... User unknown" (Sendmail transcripts), "address ... unknown host"
        rf"^\s*(?:\d{{3}}[ -])?<?(?P<a>{_ADDR})>?\s*\.\.\.\s*(?P<d>.*)$",
        # "Delivery failed: address", "Invalid final delivery userid: address",
        # "The following recipients returned permanent errors: address", "RCPT TO:<address>"
        rf"\b(?:recipients?|address(?:es)?|failed|errors?|rcpt(?: to)?|mailbox|user(?:id)?)\b"
        rf"[^:@\n]{{0,40}}:\s*<?(?P<a>{_ADDR})>?(?P<d>.*)$",
        # "delivering your mail to <address>", "your message to <address> was rejected"
        rf"\b(?:to|for|recipient)\s*:?\s*<(?P<a>{_ADDR})>(?P<d>.*)$",
        rf"\b(?:deliver\w*|undeliverable|sent|sending)\s+to\s+(?P<a>{_ADDR})(?P<d>.*)$",
        # "address on <date>" (Exchange), "address [User unknown]", "address (reason)"
        rf"^\s*<?(?P<a>{_ADDR})>?[\s,;]+(?P<d>\S.*)$",
    )
)
# Characters around an address on a line that lists it alone: brackets, quotes, bullets.
_DECORATION = re.compile(r"[\s<>\"'()\[\]*:;,.=|-]+")
# A line introducing the sender, so the address on the next line is not a recipient.
_SENDER_INTRO = re.compile(r"\b(sent by|from|sender)[ \t]*:?$", re.IGNORECASE)
_MAX_BLOCK_LINES = 12
_ROLE_ADDRESS = re.compile(r"^(mailer-daemon|mail-daemon|mailerdaemon)@", re.I)


@dataclass(frozen=True, slots=True)
class TextBounce:
    """What the prose of a bounce says."""

    recipients: tuple[Recipient, ...]
    delayed: bool


def read_text_bounce(msg: Message, *, text: str, exclude: frozenset[str]) -> TextBounce:
    """Recipients listed in ``text`` (the report's own words), with status and hard/soft."""
    delayed = is_delay_notice(msg, text)
    permanent = is_permanent(text) and not delayed
    blocks = _blocks(text.splitlines(), exclude=exclude)
    if not blocks:
        failed = find_addresses(header(msg, "X-Failed-Recipients"))
        blocks = [(address, "") for address in failed if address not in exclude]
    single = len(blocks) == 1
    recipients = tuple(
        _recipient(
            address,
            diagnostic,
            context=text if single else "",
            delayed=delayed,
            permanent=permanent,
        )
        for address, diagnostic in blocks
    )
    return TextBounce(recipients=recipients, delayed=delayed)


def notes_by_address(text: str, *, exclude: frozenset[str]) -> dict[str, str]:
    """What the prose says after each address it lists, keyed by address."""
    return dict(_blocks(text.splitlines(), exclude=exclude))


def _blocks(lines: list[str], *, exclude: frozenset[str]) -> list[tuple[str, str]]:
    """(address, what follows it) for each recipient anchor in ``lines``."""
    anchors: list[tuple[int, str, str]] = []
    previous = ""
    for index, line in enumerate(lines[:2000]):
        found = _anchor(line[:1000], exclude=exclude)
        if found is not None and not _SENDER_INTRO.search(previous):
            anchors.append((index, *found))
        previous = line[-200:].rstrip() if line.strip() else previous
    blocks: dict[str, str] = {}
    for position, (index, address, rest) in enumerate(anchors):
        stop = anchors[position + 1][0] if position + 1 < len(anchors) else len(lines)
        following = lines[index + 1 : min(stop, index + 1 + _MAX_BLOCK_LINES)]
        diagnostic = " ".join(s for s in (rest, *map(str.strip, following)) if s.strip())
        if address not in blocks or not blocks[address]:
            blocks[address] = diagnostic.strip()
    return list(blocks.items())


def _anchor(line: str, *, exclude: frozenset[str]) -> tuple[str, str] | None:
    if "@" not in line:
        return None
    alone = _alone(line)
    if alone is not None:
        return (alone, "") if _usable(alone, exclude) else None
    for pattern in _ANCHORS:
        match = pattern.search(line)
        if match is None:
            continue
        address = find_address(match.group("a"))
        if address is None or not _usable(address, exclude):
            continue
        rest = match.groupdict().get("d") or ""
        return address, rest.strip().lstrip(":;,.> ").strip()
    return None


def _alone(line: str) -> str | None:
    """The address on a line that holds nothing else (one address, maybe twice, decorated)."""
    addresses = find_addresses(line)
    if not addresses or len(addresses) > 1:
        return None
    rest = re.sub(re.escape(addresses[0]), "", line, flags=re.IGNORECASE)
    return addresses[0] if not _DECORATION.sub("", rest.lstrip(">")) else None


def _usable(address: str, exclude: frozenset[str]) -> bool:
    return address not in exclude and _ROLE_ADDRESS.match(address) is None


def _recipient(
    address: str, diagnostic: str, *, context: str, delayed: bool, permanent: bool
) -> Recipient:
    status = find_status(diagnostic) or (find_status(context) if context else None)
    category = (
        category_from_text(diagnostic)
        or category_from_text(context)
        or category_from_status(status)
    )
    kind = (
        BounceKind.SOFT
        if delayed
        else bounce_kind(status=status, category=category, permanent=permanent)
    )
    return Recipient(
        address=address,
        action="delayed" if delayed else "failed",
        status=status,
        diagnostic=_squash(diagnostic) or None,
        remote_mta=remote_mta_in(diagnostic),
        kind=kind,
        category=category,
    )


def _squash(text: str) -> str:
    return " ".join(text.split())[:1000]
