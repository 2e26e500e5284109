"""Lifecycle transitions (subscriber -> lead -> MQL -> SQL -> opportunity -> customer, nurture)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from cadence.db.bulk import insert_many
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError

# A rule may promote a contact only out of these stages; sales and orders move the rest.
QUALIFIABLE = frozenset({"subscriber", "lead", "nurture"})

# What a person (sales, a CRM) may do, from which stages, to which stage.
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"mql"}), "sql"),
    "reject": (frozenset({"mql", "sql"}), "nurture"),
    "opportunity": (frozenset({"mql", "sql"}), "opportunity"),
    "customer": (
        frozenset({"subscriber", "lead", "mql", "sql", "opportunity", "nurture"}),
        "customer",
    ),
    "recycle": (frozenset({"mql", "sql", "opportunity"}), "nurture"),
}


@dataclass(frozen=True)
class Transition:
    contact_id: int
    from_stage: str | None
    to_stage: str
    at: int
    reason: str
    actor: str


def by_action(
    *, contact_id: int, stage: str, action: str, reason: str, actor: str, at: int
) -> Transition:
    """The transition a person asks for, or a 4xx error naming why it is not allowed."""
    if action not in ACTIONS:
        raise InputError([FieldError("action", f"use one of {', '.join(sorted(ACTIONS))}")])
    allowed, target = ACTIONS[action]
    if stage not in allowed:
        raise InputError(
            [FieldError("action", f"cannot {action} a contact in stage {stage!r}")],
            status=409,
            code="conflict",
        )
    if action in ("reject", "recycle") and not reason.strip():
        raise InputError([FieldError("reason", "say why the lead is rejected")])
    return Transition(contact_id, stage, target, at, reason or action, actor)


def record(uow: UnitOfWork, transitions: list[Transition]) -> None:
    """Keep every transition and publish it to the outbox (in the caller's transaction)."""
    if not transitions:
        return
    insert_many(
        uow.conn,
        "lifecycle_history",
        ("contact_id", "from_stage", "to_stage", "at", "reason", "actor"),
        [(t.contact_id, t.from_stage, t.to_stage, t.at, t.reason, t.actor) for t in transitions],
    )
    publish(
        uow,
        [
            (
                f"contact.became_{t.to_stage}",
                t.contact_id,
                {"from": t.from_stage, "to": t.to_stage, "reason": t.reason, "by": t.actor},
                t.at,
            )
            for t in transitions
        ],
    )


def publish(uow: UnitOfWork, items: list[tuple[str, int, dict[str, Any], int]]) -> None:
    """Outbox rows (topic, contact, payload, at), performed after commit by the webhooks."""
    insert_many(
        uow.conn,
        "outbox",
        ("topic", "contact_id", "payload", "created_at"),
        [(topic, cid, orjson.dumps(payload).decode(), at) for topic, cid, payload, at in items],
    )


def change_json(row: Any, *, old: str, new: str) -> dict[str, Any]:
    """One kept change (stage or owner) as the API shows it."""
    return {
        "from": getattr(row, old),
        "to": getattr(row, new),
        "at": row.at.isoformat().replace("+00:00", "Z"),
        "reason": row.reason,
        "by": row.actor,
    }


def history_json(rows: list[Any]) -> list[dict[str, Any]]:
    return [change_json(r, old="from_stage", new="to_stage") for r in rows]
