"""Storing the contact policy (one document, applied from the workspace file)."""

from __future__ import annotations

import orjson
from sqlalchemy import delete, insert, select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import meta
from cadence.policy.config import parse
from cadence.policy.models import NO_POLICY, Policy

CONFIG_KEY = "policy"


def load(uow: UnitOfWork) -> Policy:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CONFIG_KEY)).first()
    return parse(orjson.loads(row[0]))[0] if row else NO_POLICY


def store(uow: UnitOfWork, policy: Policy) -> None:
    uow.conn.execute(delete(meta).where(meta.c.key == CONFIG_KEY))
    document = orjson.dumps(policy.as_document()).decode()
    uow.conn.execute(insert(meta).values(key=CONFIG_KEY, value=document))
