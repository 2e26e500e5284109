"""Reading the bounce log: the entries, and deliverability rates for the dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import bounce_log, sends

_B = bounce_log.c


def list_log(uow: UnitOfWork, *, after: int, limit: int, kind: str | None) -> list[dict[str, Any]]:
    """The bounce log, oldest first (ids after ``after``)."""
    query = select(bounce_log).where(_B.id > after).order_by(_B.id).limit(limit)
    if kind is not None:
        query = query.where(_B.kind == kind)
    rows = []
    for row in uow.conn.execute(query):
        item = dict(row._mapping)
        item["at"] = item["at"].isoformat().replace("+00:00", "Z")
        rows.append(item)
    return rows


def summary(uow: UnitOfWork, *, since: int) -> dict[str, Any]:
    """Deliverability since ``since``: emails sent, bounces and complaints, and their rates."""
    delivered = int(
        uow.conn.execute(
            select(func.count())
            .select_from(sends)
            .where(
                sends.c.channel == "email",
                sends.c.status.in_(("sent", "bounced")),
                sends.c.at >= since,
            )
        ).scalar_one()
    )
    counts = {kind: 0 for kind in ("hard_bounce", "soft_bounce", "complaint")}
    suppressed = 0
    rows = uow.conn.execute(
        select(_B.kind, _B.suppressed, func.count())
        .where(_B.at >= since)
        .group_by(_B.kind, _B.suppressed)
    )
    for kind, was_suppressed, count in rows:
        counts[kind] = counts.get(kind, 0) + int(count)
        suppressed += int(count) if was_suppressed else 0

    def rate(count: int) -> float | None:
        return None if delivered == 0 else round(count / delivered, 6)

    return {
        "emails_sent": delivered,
        **counts,
        "suppressed": suppressed,
        "bounce_rate": rate(counts["hard_bounce"] + counts["soft_bounce"]),
        "complaint_rate": rate(counts["complaint"]),
    }
