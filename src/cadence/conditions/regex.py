"""The portable regular-expression subset used by `matches`.

A pattern must mean the same thing to Python's `re` (the Python evaluator and
SQLite's REGEXP) and to PostgreSQL's ARE engine. We accept a small, common
subset, reject everything else with a message, and write the pattern out for
each engine: Python gets DOTALL and `\\Z` for `$`, because PostgreSQL's `.`
matches newlines and its `$` matches only at the very end.

Accepted: literals, `.`, `^`, `$`, `|`, groups `(...)` and `(?:...)`, the
quantifiers `* + ? {m} {m,} {m,n}` (lazy forms too), bracket expressions with
ranges, escaped punctuation, `\\t \\n \\r \\f \\v`, and `\\d \\w \\s` (ASCII only).
A repeated group may not contain repetition or `|`, which keeps matching fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cadence.conditions.models import Regex

MAX_LENGTH = 200
MAX_REPEAT = 255
_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r\\f\\v"}
_CONTROL = "tnrfv"
_BRACE = re.compile(r"\{([0-9]{1,3})(,([0-9]{0,3}))?\}")


class RegexError(ValueError):
    """The pattern is outside the portable subset."""


def _is_punct(char: str) -> bool:
    return char.isascii() and not char.isalnum() and char.isprintable() and char != " "


def _literal(char: str) -> str:
    return "\\" + char if _is_punct(char) else char


@dataclass
class _Group:
    has_repeat: bool = False
    has_alternation: bool = False


@dataclass
class _Translator:
    source: str
    pos: int = 0
    out: list[str] = field(default_factory=list)  # shared spelling
    python_out: list[str] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=lambda: [_Group()])
    atom: _Group | None = None  # what a quantifier would repeat
    repeated: bool = False  # the last atom already carries a quantifier
    lazy: bool = False  # ... made lazy with a trailing '?'

    def emit(self, text: str, python: str | None = None, atom: _Group | None = None) -> None:
        self.out.append(text)
        self.python_out.append(text if python is None else python)
        self.atom, self.repeated = atom, False

    def run(self) -> Regex:
        while self.pos < len(self.source):
            self.step(self.source[self.pos])
        if len(self.groups) > 1:
            raise RegexError("a '(' is never closed")
        python = "(?s)" + "".join(self.python_out)
        re.compile(python)  # cannot fail for the subset; a last guard
        return Regex(source=self.source, python=python, postgres="".join(self.out))

    def step(self, char: str) -> None:
        self.pos += 1
        if char == "\\":
            self.escape()
        elif char in "*+?":
            self.quantifier(char)
        elif char == "{":
            self.brace()
        elif char == "}":
            raise RegexError("write \\} for a literal '}'")
        elif char == "[":
            self.emit(self.bracket(), atom=_Group())
        elif char == "(":
            self.open_group()
        elif char == ")":
            self.close_group()
        elif char == "|":
            self.groups[-1].has_alternation = True
            self.emit("|")
        elif char in "^$":
            self.emit(char, python="\\Z" if char == "$" else None)
        else:
            self.emit(char if char == "." else _literal(char), atom=_Group())

    def escape(self) -> None:
        if self.pos >= len(self.source):
            raise RegexError("the pattern ends with a lone backslash")
        char = self.source[self.pos]
        self.pos += 1
        lower = char.lower()
        if lower in _CLASSES:
            negate = "^" if char.isupper() else ""
            self.emit(f"[{negate}{_CLASSES[lower]}]", atom=_Group())
        elif char in _CONTROL or _is_punct(char):
            self.emit("\\" + char, atom=_Group())
        else:
            raise RegexError(f"\\{char} is not supported: its meaning differs between engines")

    def quantifier(self, char: str) -> None:
        if self.repeated and char == "?" and not self.lazy:
            self.out[-1] += "?"
            self.python_out[-1] += "?"
            self.lazy = True
            return
        self.repeat(char, unbounded=char != "?")

    def brace(self) -> None:
        found = _BRACE.match(self.source, self.pos - 1)
        if found is None:
            raise RegexError("write \\{ for a literal '{', or use {m}, {m,} or {m,n}")
        low, has_comma, high = found.group(1), found.group(2), found.group(3)
        if int(low) > MAX_REPEAT or (high and int(high) > MAX_REPEAT):
            raise RegexError(f"repetition counts above {MAX_REPEAT} are not supported")
        if high and int(low) > int(high):
            raise RegexError(f"{{{low},{high}}} has its minimum above its maximum")
        self.pos = found.end()
        self.repeat(found.group(0), unbounded=bool(has_comma) and (not high or int(high) > 1))

    def repeat(self, text: str, *, unbounded: bool) -> None:
        if self.atom is None:
            raise RegexError(f"'{text}' has nothing to repeat")
        if self.repeated:
            raise RegexError(f"'{text}' repeats something already repeated")
        if unbounded and (self.atom.has_repeat or self.atom.has_alternation):
            raise RegexError(f"'{text}' may not repeat a group holding repetition or '|'")
        self.out[-1] += text
        self.python_out[-1] += text
        self.groups[-1].has_repeat = True
        self.repeated, self.lazy = True, False

    def open_group(self) -> None:
        if self.source.startswith("?", self.pos):
            if not self.source.startswith("?:", self.pos):
                raise RegexError("only (?:...) is supported among (?...) groups")
            self.pos += 2
            self.emit("(?:")
        else:
            self.emit("(")
        self.groups.append(_Group())
        self.atom = None

    def close_group(self) -> None:
        if len(self.groups) == 1:
            raise RegexError("a ')' has no matching '('")
        inner = self.groups.pop()
        outer = self.groups[-1]
        outer.has_repeat |= inner.has_repeat
        outer.has_alternation |= inner.has_alternation
        self.emit(")", atom=inner)

    def bracket(self) -> str:
        parts = ["["]
        if self.source.startswith("^", self.pos):
            parts.append("^")
            self.pos += 1
        previous: str | None = None
        while True:
            if self.pos >= len(self.source):
                raise RegexError("a '[' is never closed")
            char = self.source[self.pos]
            self.pos += 1
            if char == "]":
                if previous is None:
                    raise RegexError("empty [] (write \\] for a literal ']')")
                return "".join([*parts, "]"])
            previous = self.bracket_item(char, previous, parts)

    def bracket_item(self, char: str, previous: str | None, parts: list[str]) -> str:
        if char == "[" and self.source[self.pos : self.pos + 1] in (":", "=", "."):
            raise RegexError("[:class:] and similar are not supported; list the characters")
        if char == "\\":
            return self.bracket_escape(parts)
        if char == "-" and previous not in (None, "-") and self.source[self.pos : self.pos + 1]:
            high = self.source[self.pos]
            if high != "]":
                return self.bracket_range(previous, parts)
        parts.append(_literal(char))
        return char

    def bracket_escape(self, parts: list[str]) -> str:
        if self.pos >= len(self.source):
            raise RegexError("a '[' is never closed")
        char = self.source[self.pos]
        self.pos += 1
        if char in _CLASSES:
            parts.append(_CLASSES[char])
            return "-"  # a class cannot start a range
        if char in _CONTROL or _is_punct(char):
            parts.append("\\" + char)
            return char if _is_punct(char) else "-"
        raise RegexError(f"\\{char} is not supported inside [...]")

    def bracket_range(self, low: str | None, parts: list[str]) -> str:
        high = self.source[self.pos]
        self.pos += 1
        if high == "\\":
            if self.pos >= len(self.source) or not _is_punct(self.source[self.pos]):
                raise RegexError("a range must end in a plain character")
            high = self.source[self.pos]
            self.pos += 1
        if low is None or ord(low) > ord(high):
            raise RegexError(f"the range {low}-{high} is reversed")
        parts.append("-" + _literal(high))
        return "-"  # a range cannot start another range


def translate_regex(source: str) -> Regex:
    """Check a pattern against the portable subset and spell it for each engine."""
    if not source:
        raise RegexError("the pattern is empty")
    if len(source) > MAX_LENGTH:
        raise RegexError(f"patterns are limited to {MAX_LENGTH} characters")
    return _Translator(source).run()
