"""Read models only the console needs: weekly growth, deliverability, matrix cells, search.

Everything else the console shows comes from the domain services that the REST API uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Integer, cast, func, or_, select

from cadence.channels import deliverability as channel_deliverability
from cadence.contacts.service import contacts_json
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import (
    accounts,
    consent_ledger,
    consents,
    contact_accounts,
    contacts,
    decision_log,
    journey_enrolments,
    sends,
    suppressions,
)
from cadence.db.types import from_millis

WEEK_MS: Final = 7 * 86_400_000
DAY_MS: Final = 86_400_000
_C = contacts.c


def week_labels(*, weeks: int, now: int) -> list[str]:
    """The first day of each of the last ``weeks`` seven-day buckets ending at ``now``."""
    start = now - weeks * WEEK_MS
    return [from_millis(start + i * WEEK_MS).date().isoformat() for i in range(weeks)]


def _weekly(
    uow: UnitOfWork,
    column: ColumnElement[Any],
    *,
    weeks: int,
    now: int,
    where: Sequence[ColumnElement[bool]],
    group: ColumnElement[Any] | None = None,
) -> dict[str, list[int]]:
    """Rows per seven-day bucket (and per ``group`` value) over the last ``weeks`` weeks."""
    start = now - weeks * WEEK_MS
    at = millis(column)
    bucket = cast((at - start) / WEEK_MS, Integer).label("bucket")
    key = (group if group is not None else sa.literal("all")).label("key")
    query = (
        select(key, bucket, func.count()).where(at >= start, at < now, *where).group_by(key, bucket)
    )
    series: dict[str, list[int]] = {}
    for name, index, count in uow.conn.execute(query):
        values = series.setdefault(str(name), [0] * weeks)
        if 0 <= int(index) < weeks:
            values[int(index)] += int(count)
    return series


def contact_growth(uow: UnitOfWork, *, weeks: int, now: int) -> dict[str, Any]:
    """New contacts per week (by first activity) and the running total."""
    live = [_C.merged_into.is_(None)]
    first = func.coalesce(_C.first_seen_at, _C.created_at)
    new = _weekly(uow, first, weeks=weeks, now=now, where=live).get("all", [0] * weeks)
    start = now - weeks * WEEK_MS
    before = uow.conn.execute(select(func.count()).where(*live, millis(first) < start)).scalar_one()
    totals, running = [], int(before)
    for n in new:
        running += n
        totals.append(running)
    total = uow.conn.execute(select(func.count()).where(*live)).scalar_one()
    return {
        "labels": week_labels(weeks=weeks, now=now),
        "new": new,
        "total": totals,
        "now": int(total),
    }


def consent_growth(uow: UnitOfWork, *, weeks: int, now: int) -> dict[str, Any]:
    """Ledger entries per week: grants and confirmations against withdrawals."""
    series = _weekly(
        uow,
        consent_ledger.c.at,
        weeks=weeks,
        now=now,
        where=[],
        group=consent_ledger.c.action,
    )
    zero = [0] * weeks
    opted_in = [
        a + b
        for a, b in zip(series.get("granted", zero), series.get("confirmed", zero), strict=True)
    ]
    granted_now = uow.conn.execute(
        select(func.count(sa.distinct(consents.c.contact_id))).where(consents.c.status == "granted")
    ).scalar_one()
    return {
        "labels": week_labels(weeks=weeks, now=now),
        "opted_in": opted_in,
        "withdrawn": series.get("withdrawn", zero),
        "contacts_with_consent": int(granted_now),
    }


def deliverability(uow: UnitOfWork, *, days: int, now: int) -> dict[str, Any]:
    """The channels' deliverability summary for the window, and the suppression list by
    reason (every reason, however old)."""
    reasons = {
        str(k): int(n)
        for k, n in uow.conn.execute(
            select(suppressions.c.reason, func.count()).group_by(suppressions.c.reason)
        )
    }
    summary = channel_deliverability.summary(uow, since=now - days * DAY_MS)
    return {"days": days, **summary, "suppressions": reasons}


def cell_members(
    uow: UnitOfWork, *, grade: str, band: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Contacts in one score x grade cell (the heat map's link), and how many there are."""
    where = [_C.merged_into.is_(None), _C.grade == grade, _C.band == band]
    total = uow.conn.execute(select(func.count()).where(*where)).scalar_one()
    ids = list(uow.conn.scalars(select(_C.id).where(*where).order_by(_C.id).limit(limit)))
    return contacts_json(uow, ids), int(total)


def search(uow: UnitOfWork, *, text: str, limit: int) -> list[dict[str, Any]]:
    """Contacts whose email, name or company (trait or linked account) contains ``text``."""
    pattern = f"%{text.strip().lower()}%"
    traits = func.lower(cast(_C.traits, sa.Text))
    by_account = (
        select(contact_accounts.c.contact_id)
        .join(accounts, accounts.c.id == contact_accounts.c.account_id)
        .where(func.lower(accounts.c.name).like(pattern))
    )
    query = (
        select(_C.id)
        .where(
            _C.merged_into.is_(None),
            or_(
                func.lower(_C.email).like(pattern),
                traits.like(pattern),
                _C.id.in_(by_account),
            ),
        )
        .order_by(_C.last_seen_at.desc().nulls_last(), _C.id)
        .limit(limit)
    )
    return contacts_json(uow, list(uow.conn.scalars(query)))


def recent_contacts(uow: UnitOfWork, *, limit: int) -> list[dict[str, Any]]:
    query = (
        select(_C.id)
        .where(_C.merged_into.is_(None))
        .order_by(_C.last_seen_at.desc().nulls_last(), _C.id)
        .limit(limit)
    )
    return contacts_json(uow, list(uow.conn.scalars(query)))


def messages_received(uow: UnitOfWork, *, contact_id: int, limit: int) -> list[dict[str, Any]]:
    s = sends.c
    rows = uow.conn.execute(
        select(s.channel, s.topic, s.message_key, s.source, s.status, millis(s.at).label("at"))
        .where(s.contact_id == contact_id)
        .order_by(s.at.desc(), s.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def decisions_for(uow: UnitOfWork, *, contact_id: int, limit: int) -> list[dict[str, Any]]:
    """Decisions taken for a contact: point, option chosen, its propensity and reward."""
    d = decision_log.c
    rows = uow.conn.execute(
        select(
            d.point,
            d.chosen,
            d.propensity,
            d.reward,
            d.source,
            millis(d.at).label("at"),
        )
        .where(d.contact_id == contact_id)
        .order_by(d.at.desc(), d.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def enrolments_for(uow: UnitOfWork, *, contact_id: int) -> list[dict[str, Any]]:
    """The contact's journeys: which, status, when entered and finished, the path taken."""
    j = journey_enrolments.c
    rows = uow.conn.execute(
        select(
            j.journey_key,
            j.status,
            millis(j.entered_at).label("entered_at"),
            millis(j.finished_at).label("finished_at"),
            j.reason,
            j.path,
        )
        .where(j.contact_id == contact_id)
        .order_by(j.entered_at.desc(), j.id.desc())
    )
    return [dict(r._mapping) for r in rows]
