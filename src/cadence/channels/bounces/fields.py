"""``Name: value`` field blocks, as in ``message/delivery-status`` and ARF reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,60})[ \t]*:[ \t]*(.*)$")
_TYPED = re.compile(r"^[A-Za-z0-9-]{1,20}[ \t]*;[ \t]*")
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10}"
)


@dataclass
class FieldBlock:
    """One block of fields in order; names are lowercased."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def first(self, name: str) -> str:
        return next((v for n, v in self.items if n == name), "")

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.items if n == name]

    def __contains__(self, name: object) -> bool:
        return any(n == name for n, _ in self.items)


def parse_fields(text: str, *, known: frozenset[str] | None = None) -> list[FieldBlock]:
    """Split ``text`` into blocks of fields at blank lines.

    With ``known``, only those (lowercase) names count as fields, so the fields
    can be picked out of surrounding prose when a MIME boundary is broken.
    """
    blocks: list[FieldBlock] = []
    current = FieldBlock()
    continuing = False
    for line in text.splitlines():
        if not line.strip():
            if current.items:
                blocks.append(current)
                current = FieldBlock()
            continuing = False
            continue
        if line[0] in " \t" and continuing:
            name, value = current.items[-1]
            current.items[-1] = (name, f"{value} {line.strip()}")
            continue
        match = _FIELD.match(line)
        continuing = match is not None and (known is None or match.group(1).lower() in known)
        if match is not None and continuing:
            current.items.append((match.group(1).lower(), match.group(2).strip()))
    if current.items:
        blocks.append(current)
    return blocks


def untyped(value: str) -> str:
    """A DSN value without its type prefix: ``rfc822; a@b`` -> ``a@b``, ``dns; mx`` -> ``mx``."""
    return _TYPED.sub("", value.strip(), count=1).strip()


def find_address(value: str) -> str | None:
    """The first email address in ``value``, lowercased."""
    match = _ADDRESS.search(value[:4096])
    if match is None:
        return None
    return match.group(0).strip(".'`").lower() or None


def find_addresses(value: str) -> list[str]:
    """Every email address in ``value``, lowercased, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _ADDRESS.finditer(value[:65536]):
        address = match.group(0).strip(".'`").lower()
        if address:
            seen.setdefault(address, None)
    return list(seen)
