"""Content blocks: alternatives chosen per contact by conditions, first match wins.

    blocks:
      offer:
        - when: {all: [{segment: emea}, {field: traits.role, op: eq, value: decision-maker}]}
          html: "<p>Meet us in Berlin</p>"
          text: "Meet us in Berlin"
        - html: "<p>Book a demo</p>"        # no `when`: the default, always last
          text: "Book a demo"

A template shows the chosen option as ``{{ blocks.offer }}`` (its html in the HTML part,
its text elsewhere); when nothing matches and there is no default, the block is empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from cadence.conditions import Condition
from cadence.errors import FieldError
from cadence.messages.models import BlockOption

NAME: Final = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")  # usable as blocks.<name>
MAX_BLOCKS: Final = 50
MAX_OPTIONS: Final = 50
OPTION_FIELDS: Final = frozenset({"when", "html", "text"})

Blocks = tuple[tuple[str, tuple[BlockOption, ...]], ...]


def read_blocks(raw: Any, *, path: str, errors: list[FieldError]) -> Blocks:
    """The shape of the ``blocks:`` mapping (conditions and templates are checked later)."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or len(raw) > MAX_BLOCKS:
        errors.append(FieldError(path, f"a mapping of at most {MAX_BLOCKS} named blocks"))
        return ()
    blocks: list[tuple[str, tuple[BlockOption, ...]]] = []
    for name, options in raw.items():
        where = f"{path}.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            errors.append(FieldError(where, "block names are lower-case letters, digits and _"))
            continue
        if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
            errors.append(FieldError(where, f"a list of 1 to {MAX_OPTIONS} options"))
            continue
        read = [_read_option(o, f"{where}[{i}]", errors) for i, o in enumerate(options)]
        parsed = tuple(o for o in read if o is not None)
        if len(parsed) == len(read):
            _check_options(parsed, where, errors)
            blocks.append((name, parsed))
    return tuple(blocks)


def _read_option(raw: Any, path: str, errors: list[FieldError]) -> BlockOption | None:
    if not isinstance(raw, Mapping):
        errors.append(FieldError(path, "an option: {when: <condition>, html: ..., text: ...}"))
        return None
    before = len(errors)
    for unknown in sorted(set(raw) - OPTION_FIELDS, key=str):
        errors.append(FieldError(f"{path}.{unknown}", "unknown field"))
    for part in ("html", "text"):
        if part in raw and not isinstance(raw[part], str):
            errors.append(FieldError(f"{path}.{part}", "a template (text)"))
    if raw.get("html") is None and raw.get("text") is None:
        errors.append(FieldError(path, "an option needs html, text or both"))
    if len(errors) > before:
        return None
    return BlockOption(when=raw.get("when"), html=raw.get("html"), text=raw.get("text"))


def _check_options(options: tuple[BlockOption, ...], path: str, errors: list[FieldError]) -> None:
    first = parts(options[0])
    for index, option in enumerate(options):
        if option.when is None and index < len(options) - 1:
            message = "an option without `when` always matches, so it must be the last"
            errors.append(FieldError(f"{path}[{index}]", message))
        if parts(option) != first:
            message = f"every option gives the same parts as the first ({', '.join(first)})"
            errors.append(FieldError(f"{path}[{index}]", message))


def parts(option: BlockOption) -> tuple[str, ...]:
    return tuple(p for p in ("html", "text") if getattr(option, p) is not None)


def choose(
    options: tuple[tuple[Condition | None, BlockOption], ...],
    *,
    holds: Callable[[Condition], bool],
) -> int | None:
    """The index of the first option whose condition holds (None: the block stays empty)."""
    for index, (condition, _) in enumerate(options):
        if condition is None or holds(condition):
            return index
    return None
