"""What a message's templates read of the template context, found in their syntax trees.

Pure. A batch send builds only the parts of the contact JSON its message reads: building
every contact's consent, lead fields, accounts and segments costs about as much as
rendering, and most messages read a name and a link. The analysis is conservative: any use
of ``contact`` other than reading one of its keys by a literal name (``contact.traits``,
``contact['email']``), and any use of ``account`` or ``segments``, counts as reading all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from cadence.messages.models import PARTS, Message
from cadence.messages.sandbox import environment

WHOLE_CONTACT = ("account", "segments")  # drawn from the accounts and segments of the JSON
FIRST_NAME_READS = frozenset({"traits"})  # what ``first_name()`` looks at


@dataclass(frozen=True)
class Reads:
    """The keys of ``contact`` read (None: possibly any), and whether recent events are."""

    contact: frozenset[str] | None
    recent_events: bool


def message_reads(message: Message) -> Reads:
    """What all of ``message``'s templates (parts, webhook JSON, blocks) read together."""
    keys: set[str] = set()
    whole = events = False
    for source, html in _sources(message):
        for name, key in _names(source, html):
            if name == "recent_events":
                events = True
            elif name in WHOLE_CONTACT or (name == "contact" and key is None):
                whole = True
            elif name == "contact" and key is not None:
                keys.add(key)
            elif name == "first_name":
                keys |= FIRST_NAME_READS
    return Reads(contact=None if whole else frozenset(keys), recent_events=events)


@functools.lru_cache(maxsize=1024)
def _names(source: str, html: bool) -> frozenset[tuple[str, str | None]]:
    return frozenset(_uses(environment(html=html).parse(source), parent=None))


def _uses(node: nodes.Node, *, parent: nodes.Node | None) -> Iterator[tuple[str, str | None]]:
    """Each context name loaded, with the key read from it by literal name, if that is all."""
    if isinstance(node, nodes.Name) and node.ctx == "load":
        yield node.name, _key_of(parent, node)
    for child in node.iter_child_nodes():
        yield from _uses(child, parent=node)


def _key_of(parent: nodes.Node | None, name: nodes.Name) -> str | None:
    if isinstance(parent, nodes.Getattr) and parent.node is name:
        return parent.attr
    if (
        isinstance(parent, nodes.Getitem)
        and parent.node is name
        and isinstance(parent.arg, nodes.Const)
        and isinstance(parent.arg.value, str)
    ):
        return parent.arg.value
    return None


def _sources(message: Message) -> Iterator[tuple[str, bool]]:
    for part in PARTS:
        source = getattr(message, part)
        if source:
            yield source, part == "html"
    yield from ((text, False) for text in _json_strings(message.json))
    for _, options in message.blocks:
        for option in options:
            if option.html:
                yield option.html, True
            if option.text:
                yield option.text, False


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
