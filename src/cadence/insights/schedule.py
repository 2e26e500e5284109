"""Scheduled retraining: once the active model is a week old, retrain it (one worker only)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import Engine

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import meta, model_versions
from cadence.errors import InputError
from cadence.insights import training

log = logging.getLogger(__name__)
KEY = "insights.retrain_claimed_at"
EVERY_MS = 7 * 86_400_000


def claim_retraining(uow: UnitOfWork, *, now: int, every_ms: int = EVERY_MS) -> int | None:
    """The active model's horizon when it is due for retraining, claimed for this worker
    (None: nothing to do). Only a model someone trained once is retrained."""
    m = model_versions.c
    active = uow.conn.execute(
        sa.select(millis(m.trained_at), m.horizon_days).where(m.active.is_(sa.true()))
    ).first()
    if active is None or now - int(active[0]) < every_ms:
        return None
    row = uow.conn.execute(
        sa.select(meta.c.value).where(meta.c.key == KEY).with_for_update()
    ).first()
    if row is not None and now - int(row[0]) < every_ms:
        return None  # another worker tried lately (and may have failed: wait a full period)
    if row is None:
        uow.conn.execute(sa.insert(meta).values(key=KEY, value=str(now)))
    else:
        uow.conn.execute(sa.update(meta).where(meta.c.key == KEY).values(value=str(now)))
    return int(active[1])


def retrain(engine: Engine, *, now: int, horizon_days: int) -> int:
    """Retrain after the scheduler's commit; returns the versions stored (0 when history
    no longer allows training, which is logged, not raised)."""
    try:
        return len(training.train_and_store(engine, now=now, horizon_days=horizon_days))
    except InputError as error:
        log.warning("scheduled model retraining skipped: %s", error.message)
        return 0
