"""The Jinja2 sandbox message templates run in.

Templates reach only the documented context (see ``context.py``), which is plain JSON
data. On top of Jinja's ImmutableSandboxedEnvironment:

- ``a.b`` and ``a[b]`` look up keys of mappings and indexes of lists/strings, nothing
  else: no attributes or methods of any Python object (``''.__class__``, ``contact.items``
  and ``'x'.upper`` raise SecurityError), except the public fields of ``loop``.
- Only the helper functions below and the template's own macros can be called.
- No loader: ``include``, ``import`` and ``extends`` have nothing to read (and are refused
  at save time), so there is no file or network access.
- A missing key, a null, or a contact without an account is *missing*: false in ``if``,
  empty in ``for``, replaced by ``| default(...)``, and an error when printed, so a
  template never renders "Hello ,". ``default`` also replaces null and blank strings.
- The ``safe`` filter and ``{% autoescape false %}`` are gone: contact data arrives
  through the public tracking API, so it is always escaped in HTML parts.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any, Final

from jinja2 import ChainableUndefined, pass_context
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SIZE: Final = 100_000  # longest string or list that * may build
MAX_EXPONENT: Final = 64
REMOVED_FILTERS: Final = ("attr", "safe", "pprint", "xmlattr")
HIDDEN = "template values are JSON data: only keys (a.b, a['b']) and list indexes can be read"


class Missing(ChainableUndefined):
    """A value the contact does not have: falsy, chainable, defaultable; printing it fails."""

    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()

    def __html__(self) -> str:
        return str(self)

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        return f"{name!r} has no value; give it a fallback with | default('...')"


def missing(name: str, hint: str | None = None) -> Missing:
    return Missing(hint=hint, name=name)


def fill_default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """``default``: replace a missing, null or blank value (any false one with boolean=true)."""
    blank = isinstance(value, str) and not value.strip()
    if isinstance(value, Missing) or value is None or blank or (boolean and not value):
        return default_value
    return value


@pass_context
def first_name(context: Context, fallback: str = "there") -> str:
    """The contact's first name (first_name, firstName, or the first word of name) or fallback."""
    contact = context.get("contact")
    traits = contact.get("traits") if isinstance(contact, Mapping) else None
    if isinstance(traits, Mapping):
        for key in ("first_name", "firstName"):
            value = traits.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        name = traits.get("name")
        if isinstance(name, str) and name.strip():
            return name.split()[0]
    return fallback


HELPERS: Final[dict[str, Callable[..., Any]]] = {"first_name": first_name}


def _finalize(value: Any) -> Any:
    if value is None:
        raise UndefinedError("a null value would be printed; give a fallback with | default('...')")
    return value


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_SIZE:
        raise SecurityError(f"a value longer than {MAX_SIZE} would be built")
    return value


def _multiply(left: Any, right: Any) -> Any:
    for one, other in ((left, right), (right, left)):
        sequence = isinstance(one, str | list | tuple) and isinstance(other, int)
        if sequence and len(one) * other > MAX_SIZE:
            raise SecurityError(f"a value longer than {MAX_SIZE} would be built")
    return _sized(left * right)


def _power(left: Any, right: Any) -> Any:
    if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
        raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
    return operator.pow(left, right)


class MessageSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment restricted to JSON data and the helpers above."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(autoescape=html, undefined=Missing, finalize=_finalize)
        self.globals.clear()
        self.globals.update(HELPERS)
        for name in REMOVED_FILTERS:
            self.filters.pop(name, None)
        self.filters["default"] = self.filters["d"] = fill_default
        self.binop_table = {**self.binop_table, "*": _multiply, "**": _power}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            raise SecurityError(f"{attribute!r}: names starting with _ cannot be read")
        if isinstance(obj, Missing):
            return obj
        if isinstance(obj, LoopContext):
            return super().getattr(obj, attribute)
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Missing):
            return obj
        if isinstance(obj, str | list | tuple) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return missing(f"[{argument}]")
        return self._lookup(obj, argument)

    def _lookup(self, obj: Any, key: Any) -> Any:
        if obj is None:
            return missing(str(key))
        if isinstance(obj, Mapping):
            value = obj.get(key) if isinstance(key, str | int) else None
            return missing(str(key)) if value is None else value
        raise SecurityError(f"cannot read {key!r} of a {type(obj).__name__}: {HIDDEN}")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        allowed = (
            any(__obj is helper for helper in HELPERS.values())
            or isinstance(__obj, Macro | LoopContext)  # macros, recursive loops
            or isinstance(getattr(__obj, "__self__", None), LoopContext)
        )
        if not allowed:
            if isinstance(__obj, Missing):
                __obj._fail_with_undefined_error()
            raise SecurityError("only first_name() and the template's own macros can be called")
        return _sized(__context.call(__obj, *args, **kwargs))


@functools.cache
def environment(*, html: bool) -> MessageSandbox:
    """One sandbox per escaping mode (built on first use, never at import)."""
    return MessageSandbox(html=html)
