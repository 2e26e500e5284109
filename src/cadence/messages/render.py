"""Rendering a message for one contact, and checking its templates when it is saved.

Pure: the caller passes the template context (``context.template_context``) and how to
decide a condition for this contact (``holds``); nothing here reads storage or the clock.
The HTML part (and blocks' html) is autoescaped; subject, preheader, text, SMS and webhook
strings are not (a webhook body is serialised as JSON by whoever sends it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template
from markupsafe import Markup

from cadence.conditions import Condition, Dependencies, dependencies, parse_condition
from cadence.errors import FieldError
from cadence.messages import context as ctx
from cadence.messages.blocks import choose, parts
from cadence.messages.checks import check_template
from cadence.messages.models import PARTS, BlockOption, Message, Rendered
from cadence.messages.positions import template_line
from cadence.messages.sandbox import environment, missing

Options = tuple[tuple[Condition | None, BlockOption], ...]


class RenderFailed(Exception):
    """A template failed for this contact (e.g. a value it lacks and no default)."""

    def __init__(self, *, field: str, line: int | None, message: str) -> None:
        self.field = field
        self.line = line
        self.detail = message
        super().__init__(f"{field}: {self.where}{message}")

    @property
    def where(self) -> str:
        return "" if self.line is None else f"line {self.line}: "

    def as_field_error(self) -> FieldError:
        return FieldError(self.field, f"{self.where}{self.detail}")


@dataclass(frozen=True)
class Prepared:
    """A message with its block conditions parsed, ready to render for many contacts."""

    message: Message
    blocks: tuple[tuple[str, Options], ...]
    needs: Dependencies | None  # what the conditions read; None when there are none


def prepare(message: Message) -> Prepared:
    blocks = tuple(
        (name, tuple((_condition(o.when), o) for o in options)) for name, options in message.blocks
    )
    conditions = [c for _, options in blocks for c, _ in options if c is not None]
    needs = (
        functools.reduce(lambda a, b: a | b, map(dependencies, conditions)) if conditions else None
    )
    return Prepared(message=message, blocks=blocks, needs=needs)


def _condition(raw: Any) -> Condition | None:
    return None if raw is None else parse_condition(raw)


@functools.lru_cache(maxsize=4096)
def _template(source: str, html: bool) -> Template:
    return environment(html=html).from_string(source)


def render_template(source: str, *, html: bool, context: Mapping[str, Any], field: str) -> str:
    try:
        return _template(source, html).render(context)
    except Exception as error:  # user code: any failure is this contact's render failure
        message = str(error) or type(error).__name__
        raise RenderFailed(field=field, line=template_line(error), message=message) from None


def render(
    prepared: Prepared,
    *,
    context: Mapping[str, Any],
    contact_id: int,
    holds: Callable[[Condition], bool],
) -> Rendered:
    """Every part of the message for one contact, blocks chosen first-match-wins."""
    message = prepared.message
    chosen = {name: choose(options, holds=holds) for name, options in prepared.blocks}
    values: dict[str, Any] = {}
    for html in (True, False):
        sources = [(p, getattr(message, p)) for p in PARTS if (p == "html") == html]
        sources = [(p, source) for p, source in sources if source is not None]
        with_json = not html and message.json is not None
        if not sources and not with_json:
            continue  # blocks are rendered only for the kinds of part the message has
        full = {**context, "blocks": _block_values(prepared, chosen, context, html=html)}
        for part, source in sources:
            values[part] = render_template(source, html=html, context=full, field=part)
        if with_json:
            values["json"] = _render_json(message.json, full, "json")
    return Rendered(
        key=message.key,
        channel=message.channel,
        topic=message.topic,
        contact_id=contact_id,
        blocks=chosen,
        **values,
    )


def _block_values(
    prepared: Prepared, chosen: Mapping[str, int | None], context: Mapping[str, Any], *, html: bool
) -> dict[str, Any]:
    part = "html" if html else "text"
    values: dict[str, Any] = {}
    for name, options in prepared.blocks:
        if part not in parts(options[0][1]):
            values[name] = _no_version(name, part)
            continue
        index = chosen[name]
        source = None if index is None else getattr(options[index][1], part)
        rendered = (
            ""
            if source is None
            else render_template(
                source, html=html, context=context, field=f"blocks.{name}[{index}].{part}"
            )
        )
        values[name] = Markup(rendered) if html else rendered  # noqa: S704 (rendered with autoescape)
    return values


def _render_json(value: Any, context: Mapping[str, Any], field: str) -> Any:
    if isinstance(value, str):
        return render_template(value, html=False, context=context, field=field)
    if isinstance(value, dict):
        return {k: _render_json(v, context, f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(v, context, f"{field}[{i}]") for i, v in enumerate(value)]
    return value


def check_parts(message: Message, *, path: str) -> list[FieldError]:
    """Every template problem of a message, named by path, with line and column."""
    prefix = f"{path}." if path else ""
    sample = ctx.sample_context()
    names = ctx.NAMES | {"blocks"}
    with_blocks = {
        html: {**sample, "blocks": _sample_blocks(message, html=html)} for html in (True, False)
    }
    sources = [(prefix + p, getattr(message, p), p == "html") for p in PARTS if getattr(message, p)]
    sources += [
        (field, text, False) for field, text in _json_strings(message.json, prefix + "json")
    ]
    errors: list[FieldError] = []
    for field, source, html in sources:
        errors += _problems(source, field, html=html, names=names, sample=with_blocks[html])
    for name, options in message.blocks:
        for index, option in enumerate(options):
            for part in parts(option):
                field = f"{prefix}blocks.{name}[{index}].{part}"
                errors += _problems(
                    getattr(option, part),
                    field,
                    html=part == "html",
                    names=ctx.NAMES,
                    sample=sample,
                )
    return errors


def _sample_blocks(message: Message, *, html: bool) -> dict[str, Any]:
    part = "html" if html else "text"
    return {
        name: (Markup("") if html else "") if part in parts(options[0]) else _no_version(name, part)
        for name, options in message.blocks
    }


def _no_version(name: str, part: str) -> Any:
    return missing(name, f"'{name}': this block has no {part} version")


def _problems(
    source: str, field: str, *, html: bool, names: frozenset[str], sample: Mapping[str, Any]
) -> list[FieldError]:
    found = check_template(source, html=html, names=names, sample=sample)
    return [FieldError(field, str(problem)) for problem in found]


def _json_strings(value: Any, field: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_strings(item, f"{field}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{field}[{index}]")
