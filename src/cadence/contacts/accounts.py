"""Accounts (companies) for the ingestion pipeline: bulk load, create, update, link."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from cadence.contacts.models import AccountRecord
from cadence.db.bulk import chunks, millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import accounts, contact_accounts

_A = accounts.c


def load_accounts(uow: UnitOfWork, group_ids: Collection[str]) -> dict[str, AccountRecord]:
    found: dict[str, AccountRecord] = {}
    columns = (
        _A.id,
        _A.group_id,
        _A.name,
        _A.traits,
        _A.trait_times,
        millis(_A.created_at),
        millis(_A.updated_at),
    )
    for part in chunks(group_ids):
        for row in uow.conn.execute(select(*columns).where(_A.group_id.in_(part))):
            found[row[1]] = AccountRecord(*row)
    return found


def _row(record: AccountRecord) -> dict[str, Any]:
    name = record.traits.get("name")
    return {
        "group_id": record.group_id,
        "name": name if isinstance(name, str) else record.name,
        "traits": record.traits,
        "trait_times": record.trait_times,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def save_accounts(uow: UnitOfWork, records: Collection[AccountRecord]) -> None:
    """Insert new accounts (filling in their ids) and update changed ones."""
    new = [r for r in records if r.is_new]
    if new:
        statement = insert(accounts).returning(_A.id, sort_by_parameter_order=True)
        ids = [row[0] for row in uow.conn.execute(statement, [_row(r) for r in new])]
        for record, account_id in zip(new, ids, strict=True):
            record.id, record.is_new, record.dirty = account_id, False, False
    changed = [{"b_id": r.id, **_row(r)} for r in records if r.dirty]
    if changed:
        uow.conn.execute(update(accounts).where(_A.id == bindparam("b_id")), changed)


def insert_links(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    if rows:
        uow.conn.execute(insert(contact_accounts), rows)
