"""Message definitions in the ``meta`` table: one JSON document, who manages each message.

A message is managed by ``workspace`` (the workspace file) or ``api`` (``PUT
/api/messages/{key}``); applying the workspace file deletes only the messages it manages.
Writers lock the row on PostgreSQL and update it in place, so concurrent saves queue
instead of losing each other's changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import insert, select, update

from cadence.db.engine import UnitOfWork
from cadence.db.tables import meta
from cadence.errors import FieldError, NotFound
from cadence.messages.config import read_message
from cadence.messages.models import Message

CONFIG_KEY: Final = "workspace.messages"


@dataclass(frozen=True, kw_only=True)
class Stored:
    message: Message
    managed_by: str  # "workspace" or "api"

    def as_document(self) -> dict[str, Any]:
        return {**self.message.as_document(), "managed_by": self.managed_by}


def load(uow: UnitOfWork, *, for_update: bool = False) -> list[Stored]:
    """Every stored message, in the order they were written (the workspace file's order)."""
    query = select(meta.c.value).where(meta.c.key == CONFIG_KEY)
    if for_update and uow.dialect == "postgresql":
        query = query.with_for_update()
    row = uow.conn.execute(query).first()
    if row is None:
        return []
    items = orjson.loads(row[0])["messages"]
    return [Stored(message=_message(i["message"]), managed_by=i["managed_by"]) for i in items]


def _message(document: Any) -> Message:
    errors: list[FieldError] = []
    message = read_message(document, path="", errors=errors)
    if message is None or errors:  # only validated messages are ever stored
        raise ValueError(f"a stored message is not valid: {errors}")
    return message


def get(uow: UnitOfWork, key: str) -> Stored:
    for item in load(uow):
        if item.message.key == key:
            return item
    raise NotFound("message", "key")


def save_all(uow: UnitOfWork, items: list[Stored]) -> None:
    """Replace the stored set, in the order given (callers loaded it with ``for_update=True``)."""
    document = {
        "messages": [
            {"message": i.message.as_document(), "managed_by": i.managed_by} for i in items
        ]
    }
    value = orjson.dumps(document).decode()
    exists = uow.conn.execute(select(meta.c.key).where(meta.c.key == CONFIG_KEY)).first()
    if exists is None:
        uow.conn.execute(insert(meta).values(key=CONFIG_KEY, value=value))
    else:
        uow.conn.execute(update(meta).where(meta.c.key == CONFIG_KEY).values(value=value))


def put(uow: UnitOfWork, message: Message, *, managed_by: str) -> bool:
    """Create or replace one message; True when it is new."""
    items = {i.message.key: i for i in load(uow, for_update=True)}
    created = message.key not in items
    items[message.key] = Stored(message=message, managed_by=managed_by)
    save_all(uow, list(items.values()))
    return created
