"""Fan outbox events out to webhook deliveries; send due deliveries after commit, with back-off.

Each delivery carries ``X-Cadence-Delivery`` (stable across retries, so receivers can
drop repeats) and ``X-Cadence-Signature: sha256=<HMAC of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, delete, insert, select, update

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.db.tables import meta, outbox, webhook_deliveries
from cadence.webhooks.config import Webhook, parse

CONFIG_KEY = "workspace.webhooks"
CURSOR_KEY = "webhooks.outbox_cursor"
MAX_ATTEMPTS = 10
_D = webhook_deliveries.c


def backoff_ms(attempts: int) -> int:
    """Wait before the next try: 30 s, 1 min, 2 min, ... capped at 6 hours."""
    return int(min(30_000 * 2 ** max(attempts - 1, 0), 6 * 3600_000))


def load(uow: UnitOfWork) -> list[Webhook]:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CONFIG_KEY)).first()
    return parse(orjson.loads(row[0]))[0] if row else []


def store(uow: UnitOfWork, hooks: list[Webhook]) -> None:
    uow.conn.execute(delete(meta).where(meta.c.key == CONFIG_KEY))
    document = [h.as_document() for h in hooks]
    uow.conn.execute(insert(meta).values(key=CONFIG_KEY, value=orjson.dumps(document).decode()))
    _cursor(uow)  # events from now on are delivered; earlier history is not replayed


def _cursor(uow: UnitOfWork) -> int:
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == CURSOR_KEY)).first()
    if row is not None:
        return int(row[0])
    start = (
        uow.conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc()).limit(1)).scalar() or 0
    )
    uow.conn.execute(insert(meta).values(key=CURSOR_KEY, value=str(start)))
    return int(start)


def fan_out(uow: UnitOfWork, *, now: int, limit: int = 5000) -> int:
    """Create a delivery for each new outbox event a webhook subscribes to."""
    hooks = load(uow)
    if not hooks:
        return 0
    after = _cursor(uow)
    rows = list(
        uow.conn.execute(
            select(
                outbox.c.id,
                outbox.c.topic,
                outbox.c.contact_id,
                outbox.c.payload,
                millis(outbox.c.created_at),
            )
            .where(outbox.c.id > after)
            .order_by(outbox.c.id)
            .limit(limit)
        )
    )
    if not rows:
        return 0
    deliveries = [
        {
            "webhook": hook.key,
            "outbox_id": row.id,
            "topic": row.topic,
            "payload": {
                "topic": row.topic,
                "contact_id": row.contact_id,
                "at": row[4],
                "data": row.payload,
            },
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for row in rows
        for hook in hooks
        if row.topic in hook.topics
    ]
    if deliveries:
        uow.conn.execute(insert(webhook_deliveries), deliveries)
    uow.conn.execute(update(meta).where(meta.c.key == CURSOR_KEY).values(value=str(rows[-1].id)))
    return len(deliveries)


def _claim(engine: Engine, *, now: int, limit: int) -> list[dict[str, Any]]:
    """Take due deliveries, pushing their next attempt out as a lease (committed before sending)."""
    with unit_of_work(engine) as uow:
        query = (
            select(_D.id, _D.webhook, _D.payload, _D.attempts)
            .where(_D.status == "pending", millis(_D.next_attempt_at) <= now)
            .order_by(_D.next_attempt_at)
            .limit(limit)
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = [dict(r._mapping) for r in uow.conn.execute(query)]
        for item in claimed:
            uow.conn.execute(
                update(webhook_deliveries)
                .where(_D.id == item["id"])
                .values(
                    attempts=item["attempts"] + 1,
                    next_attempt_at=now + backoff_ms(item["attempts"] + 1),
                )
            )
        hooks = {h.key: h for h in load(uow)}
    return [{**item, "hook": hooks.get(item["webhook"])} for item in claimed]


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_due(
    engine: Engine, *, now: int, limit: int = 200, environ: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Send what is due (outside any transaction), then record each outcome."""
    environ = os.environ if environ is None else environ
    done = {"delivered": 0, "retrying": 0, "failed": 0}
    claimed = _claim(engine, now=now, limit=limit)
    if not claimed:
        return done
    with httpx.Client(timeout=10.0) as client:
        for item in claimed:
            hook: Webhook | None = item["hook"]
            error = "webhook no longer configured" if hook is None else None
            if hook is not None:
                secret = environ.get(hook.secret_env, "")
                body = orjson.dumps(item["payload"])
                headers = {
                    "Content-Type": "application/json",
                    "X-Cadence-Delivery": str(item["id"]),
                    "X-Cadence-Topic": str(item["payload"]["topic"]),
                    "X-Cadence-Signature": sign(secret, body) if secret else "unsigned",
                }
                try:
                    answer = client.post(hook.url, content=body, headers=headers)
                    error = None if answer.is_success else f"HTTP {answer.status_code}"
                except httpx.HTTPError as failure:
                    error = f"{type(failure).__name__}: {failure}"
            outcome = _record(engine, item, error, now)
            done[outcome] += 1
    return done


def _record(engine: Engine, item: dict[str, Any], error: str | None, now: int) -> str:
    attempts = item["attempts"] + 1
    if error is None:
        values: dict[str, Any] = {
            "status": "delivered",
            "delivered_at": now,
            "next_attempt_at": None,
            "last_error": None,
        }
        outcome = "delivered"
    elif attempts >= MAX_ATTEMPTS:
        values, outcome = (
            {"status": "failed", "next_attempt_at": None, "last_error": error},
            "failed",
        )
    else:
        values, outcome = {"last_error": error}, "retrying"  # the lease already set the next try
    with unit_of_work(engine) as uow:
        uow.conn.execute(update(webhook_deliveries).where(_D.id == item["id"]).values(**values))
    return outcome
