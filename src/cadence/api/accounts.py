"""REST: accounts (companies) and their contacts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from cadence.api import cursors
from cadence.api.deps import Admin, Work
from cadence.contacts import service
from cadence.db.tables import accounts
from cadence.errors import NotFound

router = APIRouter(prefix="/api/accounts", tags=["accounts"])
Limit = Annotated[int, Query(ge=1, le=1000)]


def _account(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "group_id": row.group_id,
        "name": row.name,
        "traits": row.traits,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


@router.get("", summary="List accounts")
def list_accounts(
    uow: Work, _: Admin, limit: Limit = 50, cursor: str | None = None
) -> dict[str, Any]:
    after = cursors.decode(cursor, 1)
    query = select(accounts).order_by(accounts.c.id).limit(limit + 1)
    if after:
        query = query.where(accounts.c.id > after[0])
    rows = list(uow.conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [_account(r) for r in rows],
        "next_cursor": cursors.encode(rows[-1].id) if more else None,
    }


@router.get("/{account_id}", summary="An account")
def get_account(account_id: int, uow: Work, _: Admin) -> dict[str, Any]:
    row = uow.conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        raise NotFound("account")
    return _account(row)


@router.get("/{account_id}/contacts", summary="Contacts linked to an account")
def account_contacts(
    account_id: int, uow: Work, _: Admin, limit: Limit = 50, cursor: str | None = None
) -> dict[str, Any]:
    get_account(account_id, uow, _)
    after = cursors.decode(cursor, 1)
    items, last = service.list_contacts(
        uow, limit=limit, after=after[0] if after else None, account_id=account_id
    )
    return {"items": items, "next_cursor": cursors.encode(last) if last is not None else None}
