"""Phone and direct mail: channels delivered by people. "Sending" creates a task: a call
for the contact's sales owner, or a letter in the mailing file (CSV for the print house).

A task is keyed by its send, so delivering the same send twice creates one task.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from cadence.channels.base import Delivery, Outgoing
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import channel_tasks, contacts
from cadence.errors import NotFound
from cadence.sending.addresses import address_for

KINDS: Final = {"phone": "call", "direct_mail": "letter"}
FOLLOW_UP: Final = "follow_up"  # a journey's notify-owner step: a task for the sales owner
ADDRESS_FIELDS: Final = ("street", "city", "state", "postal_code", "country")
MAILING_COLUMNS: Final = ("task_id", "contact_id", "name", *ADDRESS_FIELDS, "message", "body")
_T = channel_tasks.c


def postal_address(traits: Mapping[str, Any]) -> dict[str, str] | None:
    """The Segment spec's ``address`` trait (or the same fields at the top level)."""
    nested = traits.get("address")
    source = nested if isinstance(nested, Mapping) else traits
    found = {
        name: str(source[name]).strip()
        for name in ADDRESS_FIELDS
        if isinstance(source.get(name), str | int) and str(source[name]).strip()
    }
    return found if "street" in found and "city" in found else None


def full_name(traits: Mapping[str, Any]) -> str:
    if isinstance(traits.get("name"), str) and traits["name"].strip():
        return str(traits["name"]).strip()
    parts = [traits.get("first_name"), traits.get("last_name")]
    return " ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())


def task_details(
    *, channel: str, address: str, traits: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """What a person needs to do the task, or why it cannot be done."""
    name = full_name(traits)
    if channel == "phone":
        phone = address or address_for(channel="phone", email=None, traits=traits)
        if not phone:
            return None, "the contact has no phone number"
        return {"name": name, "phone": phone}, None
    postal = postal_address(traits)
    if postal is None:
        return None, "the contact has no postal address (street and city)"
    return {"name": name, **postal}, None


class TaskTransport:
    """``phone`` or ``direct_mail``: one task per send, in its own transaction."""

    def __init__(self, *, engine: Engine, channel: str) -> None:
        self.channel = channel
        self._engine = engine

    def deliver(self, items: Sequence[Outgoing]) -> list[Delivery]:
        return [self._create(item) for item in items]

    def _create(self, item: Outgoing) -> Delivery:
        try:
            with unit_of_work(self._engine) as uow:
                row = uow.conn.execute(
                    select(contacts.c.owner, contacts.c.traits).where(
                        contacts.c.id == item.contact_id
                    )
                ).first()
                if row is None:
                    return Delivery(send_id=item.send_id, status="failed", detail="no contact")
                details, problem = task_details(
                    channel=self.channel, address=item.address, traits=row.traits or {}
                )
                if details is None:
                    return Delivery(send_id=item.send_id, status="failed", detail=problem)
                task_id = create_task(
                    uow,
                    kind=KINDS[self.channel],
                    contact_id=item.contact_id,
                    owner=row.owner,
                    body=item.rendered.text or item.rendered.html or "",
                    details=details,
                    at=item.at,
                    send_id=item.send_id,
                    message_key=item.message_key,
                    topic=item.topic,
                )
        except IntegrityError:  # already delivered: the task exists
            return Delivery(send_id=item.send_id, status="sent", detail="task already created")
        return Delivery(send_id=item.send_id, status="sent", provider_id=f"task:{task_id}")

    def close(self) -> None:
        return None


def create_task(
    uow: UnitOfWork,
    *,
    kind: str,
    contact_id: int,
    owner: str | None,
    body: str,
    details: Mapping[str, Any],
    at: int,
    send_id: int | None = None,
    message_key: str | None = None,
    topic: str | None = None,
) -> int:
    """An open task for a person: a channel's call or letter (keyed by its send), or a
    journey's follow-up for the sales owner (no send: nothing goes to the contact)."""
    return int(
        uow.conn.execute(
            channel_tasks.insert()
            .values(
                kind=kind,
                send_id=send_id,
                contact_id=contact_id,
                owner=owner,
                message_key=message_key,
                topic=topic,
                body=body,
                details=dict(details),
                status="open",
                created_at=at,
            )
            .returning(_T.id)
        ).scalar_one()
    )


def _as_dict(row: Any) -> dict[str, Any]:
    task = dict(row._mapping)
    for name in ("created_at", "completed_at"):
        value = task[name]
        task[name] = None if value is None else value.isoformat().replace("+00:00", "Z")
    return task


def list_tasks(
    uow: UnitOfWork,
    *,
    kind: str | None,
    status: str | None,
    owner: str | None,
    after: int,
    limit: int,
) -> list[dict[str, Any]]:
    query = select(channel_tasks).where(_T.id > after).order_by(_T.id).limit(limit)
    for column, value in ((_T.kind, kind), (_T.status, status), (_T.owner, owner)):
        if value is not None:
            query = query.where(column == value)
    return [_as_dict(row) for row in uow.conn.execute(query)]


def complete_task(
    uow: UnitOfWork, *, task_id: int, outcome: str | None, now: int
) -> dict[str, Any]:
    """Mark a task done (completing it again keeps the first completion)."""
    uow.conn.execute(
        update(channel_tasks)
        .where(_T.id == task_id, _T.status == "open")
        .values(status="done", completed_at=now, outcome=outcome)
    )
    row = uow.conn.execute(select(channel_tasks).where(_T.id == task_id)).first()
    if row is None:
        raise NotFound("task")
    return _as_dict(row)


def mailing_rows(uow: UnitOfWork, *, status: str = "open") -> Iterable[dict[str, Any]]:
    query = select(channel_tasks).where(_T.kind == "letter", _T.status == status).order_by(_T.id)
    for row in uow.conn.execute(query):
        details = row.details or {}
        yield {
            "task_id": row.id,
            "contact_id": row.contact_id,
            "name": details.get("name", ""),
            **{name: details.get(name, "") for name in ADDRESS_FIELDS},
            "message": row.message_key,
            "body": row.body,
        }


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def mailing_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MAILING_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: _cell(value) for name, value in row.items()} for row in rows)
    return out.getvalue()
