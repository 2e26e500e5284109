"""The ``messages:`` section of the workspace file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError
from cadence.messages import store
from cadence.messages.config import parse_section
from cadence.messages.models import Message
from cadence.workspace.sections import Section, register

MANAGED_BY = "workspace"


def read(raw: Mapping[str, Any]) -> tuple[list[Message], list[FieldError]]:
    return parse_section(raw.get("messages"))


def _same(a: Message, b: Message) -> bool:
    """Equal as stored (YAML dates and the like become JSON on the way in)."""
    return orjson.dumps(a.as_document()) == orjson.dumps(b.as_document())


def plan(uow: UnitOfWork, wanted: list[Message]) -> dict[str, Any]:
    """Created / updated / deleted / unchanged keys; deletes only what the file manages."""
    stored = {i.message.key: i for i in store.load(uow)}
    result: dict[str, list[str]] = {"created": [], "updated": [], "deleted": [], "unchanged": []}
    for message in wanted:
        before = stored.get(message.key)
        if before is None:
            result["created"].append(message.key)
        elif before.managed_by != MANAGED_BY or not _same(before.message, message):
            result["updated"].append(message.key)
        else:
            result["unchanged"].append(message.key)
    keys = {m.key for m in wanted}
    result["deleted"] = sorted(
        k for k, i in stored.items() if i.managed_by == MANAGED_BY and k not in keys
    )
    return {name: sorted(names) for name, names in result.items()}


def apply(uow: UnitOfWork, wanted: list[Message], now: int) -> dict[str, Any]:
    result = plan(uow, wanted)
    keys = {m.key for m in wanted}
    kept = [
        i
        for i in store.load(uow, for_update=True)
        if i.managed_by != MANAGED_BY and i.message.key not in keys
    ]
    fresh = [store.Stored(message=m, managed_by=MANAGED_BY) for m in wanted]
    store.save_all(uow, kept + fresh)
    return result


def export(uow: UnitOfWork) -> dict[str, Any]:
    items = store.load(uow)
    return {"messages": [i.message.as_document() for i in items]} if items else {}


SECTION = register(
    Section(
        name="messages",
        keys=("messages",),
        read=read,
        plan=plan,
        apply=apply,
        export=export,
        order=400,  # after segments, which block conditions may name
    )
)
