"""Campaign use cases: create, start, enqueue recipients in chunks, report (caller's
transaction). Recipients are read by contact id after a stored cursor, so memory stays
flat in their number and a restarted run continues where the last chunk committed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Final

from sqlalchemy import func, insert, select, update

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import campaigns, segment_members, segments, send_jobs, sends
from cadence.db.types import from_millis
from cadence.errors import FieldError, InputError, NotFound
from cadence.messages import store as message_store
from cadence.sending.batch import enqueue_many

CHUNK: Final = 500
SOURCE_PREFIX: Final = "campaign:"
_C = campaigns.c


def create(
    uow: UnitOfWork, *, message_key: str, segment_key: str, send_at: int | None, now: int
) -> dict[str, Any]:
    """A new campaign (``scheduled`` when ``send_at`` is given, else ``draft``)."""
    errors: list[FieldError] = []
    try:
        message_store.get(uow, message_key)
    except NotFound:
        errors.append(FieldError("message", f"no message with key {message_key!r}"))
    if _segment_id(uow, segment_key) is None:
        errors.append(FieldError("segment", f"no segment with key {segment_key!r}"))
    if send_at is not None and send_at < now - 60_000:
        errors.append(FieldError("send_at", "is in the past"))
    if errors:
        raise InputError(errors, status=422)
    campaign_id = uow.conn.execute(
        insert(campaigns)
        .values(
            message_key=message_key,
            segment_key=segment_key,
            status="scheduled" if send_at is not None else "draft",
            send_at=send_at,
            cursor=0,
            created_at=now,
        )
        .returning(_C.id)
    ).scalar_one()
    return get(uow, campaign_id=int(campaign_id))


def start(uow: UnitOfWork, *, campaign_id: int, now: int) -> dict[str, Any]:
    """Begin sending now (a scheduled campaign starts early); starting twice is harmless."""
    row = _row(uow, campaign_id, lock=True)
    if row.status in ("draft", "scheduled"):
        uow.conn.execute(
            update(campaigns).where(_C.id == campaign_id).values(status="sending", started_at=now)
        )
    return get(uow, campaign_id=campaign_id)


def start_due(uow: UnitOfWork, *, now: int) -> list[int]:
    """Scheduled campaigns whose moment came start sending."""
    due = list(
        uow.conn.scalars(select(_C.id).where(_C.status == "scheduled", millis(_C.send_at) <= now))
    )
    for campaign_id in due:
        start(uow, campaign_id=int(campaign_id), now=now)
    return [int(i) for i in due]


def enqueue_chunk(uow: UnitOfWork, *, campaign_id: int, now: int, size: int = CHUNK) -> int:
    """Enqueue the next ``size`` members of the segment; 0 when every member is enqueued."""
    row = _row(uow, campaign_id, lock=True)
    if row.status != "sending" or row.enqueued_at is not None:
        return 0
    message = message_store.get(uow, row.message_key).message
    segment_id = _segment_id(uow, row.segment_key)
    members: list[int] = []
    if segment_id is not None:
        m = segment_members.c
        members = [
            int(i)
            for i in uow.conn.scalars(
                select(m.contact_id)
                .where(m.segment_id == segment_id, m.contact_id > row.cursor)
                .order_by(m.contact_id)
                .limit(size)
            )
        ]
    enqueue_many(
        uow,
        contact_ids=members,
        message=message,
        source=f"{SOURCE_PREFIX}{campaign_id}",
        key_prefix=f"{SOURCE_PREFIX}{campaign_id}:",
        at=now,
        campaign_id=campaign_id,
    )
    values: dict[str, Any] = {"cursor": members[-1]} if members else {}
    if len(members) < size:
        values["enqueued_at"] = now
    uow.conn.execute(update(campaigns).where(_C.id == campaign_id).values(**values))
    return len(members)


def audience_size(uow: UnitOfWork, *, campaign_id: int) -> int:
    """Recipients enqueued so far plus the segment members not reached yet."""
    row = _row(uow, campaign_id)
    enqueued = uow.conn.execute(
        select(func.count()).select_from(send_jobs).where(send_jobs.c.campaign_id == campaign_id)
    ).scalar_one()
    segment_id = _segment_id(uow, row.segment_key)
    if row.enqueued_at is not None or segment_id is None:
        return int(enqueued)
    m = segment_members.c
    rest = uow.conn.execute(
        select(func.count())
        .select_from(segment_members)
        .where(m.segment_id == segment_id, m.contact_id > row.cursor)
    ).scalar_one()
    return int(enqueued) + int(rest)


def sending_ids(uow: UnitOfWork) -> list[int]:
    """Campaigns still enqueuing recipients."""
    query = select(_C.id).where(_C.status == "sending", _C.enqueued_at.is_(None))
    return [int(i) for i in uow.conn.scalars(query.order_by(_C.id))]


def delivering_ids(uow: UnitOfWork) -> list[int]:
    """Campaigns fully enqueued whose sends may still be on their way."""
    query = select(_C.id).where(_C.status == "sending", _C.enqueued_at.is_not(None))
    return [int(i) for i in uow.conn.scalars(query.order_by(_C.id))]


def finish_if_done(uow: UnitOfWork, *, campaign_id: int) -> bool:
    """A fully enqueued campaign with nothing left to hand over is ``sent``."""
    row = _row(uow, campaign_id)
    if row.status != "sending" or row.enqueued_at is None:
        return bool(row.status == "sent")
    j = send_jobs.c
    pending = uow.conn.execute(
        select(func.count())
        .select_from(send_jobs)
        .where(j.campaign_id == campaign_id, j.state.in_(("queued", "sending")))
    ).scalar_one()
    if pending:
        return False
    uow.conn.execute(update(campaigns).where(_C.id == campaign_id).values(status="sent"))
    return True


def get(uow: UnitOfWork, *, campaign_id: int) -> dict[str, Any]:
    row = _row(uow, campaign_id)
    return {**_json(row), "totals": totals(uow, campaign_id=campaign_id)}


def list_campaigns(uow: UnitOfWork, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = uow.conn.execute(select(campaigns).order_by(_C.id.desc()).limit(limit)).all()
    return [_json(r) for r in rows]


def totals(uow: UnitOfWork, *, campaign_id: int) -> dict[str, Any]:
    """Recipients by state; blocked and dropped by reason; bounced from the booked send."""
    j = send_jobs.c
    rows = uow.conn.execute(
        select(j.state, j.reason, sends.c.status, func.count())
        .select_from(send_jobs.outerjoin(sends, sends.c.id == j.send_id))
        .where(j.campaign_id == campaign_id)
        .group_by(j.state, j.reason, sends.c.status)
    ).all()
    counts: Counter[str] = Counter()
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    for state, reason, send_status, n in rows:
        shown = "bounced" if send_status == "bounced" else state
        counts[shown] += n
        if shown in ("blocked", "dropped", "deferred"):
            by_reason[shown][reason or "unknown"] += n
    return {
        "recipients": sum(counts.values()),
        **{k: counts[k] for k in ("queued", "sending", "sent", "failed", "bounced", "unknown")},
        **{
            k: {"total": counts[k], "by_reason": dict(by_reason[k])}
            for k in ("deferred", "blocked", "dropped")
        },
    }


def recipients(
    uow: UnitOfWork, *, campaign_id: int, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of recipients with their state and reason, and the cursor of the next."""
    _row(uow, campaign_id)
    j = send_jobs.c
    rows = uow.conn.execute(
        select(j.id, j.contact_id, j.state, j.reason, j.detail, millis(j.due_at), sends.c.status)
        .select_from(send_jobs.outerjoin(sends, sends.c.id == j.send_id))
        .where(j.campaign_id == campaign_id, j.id > after)
        .order_by(j.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    items = [
        {
            "contact_id": int(r[1]),
            "status": "bounced" if r[6] == "bounced" else r[2],
            "reason": r[3],
            "detail": r[4],
            "retry_at": _iso(int(r[5])) if r[2] == "deferred" else None,
        }
        for r in page
    ]
    return items, (int(page[-1][0]) if len(rows) > limit else None)


def _row(uow: UnitOfWork, campaign_id: int, *, lock: bool = False) -> Any:
    query = select(campaigns).where(_C.id == campaign_id)
    if lock:
        query = query.with_for_update()
    row = uow.conn.execute(query).first()
    if row is None:
        raise NotFound("campaign")
    return row


def _segment_id(uow: UnitOfWork, key: str) -> int | None:
    found = uow.conn.execute(select(segments.c.id).where(segments.c.key == key)).scalar()
    return None if found is None else int(found)


def _json(row: Any) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "message": row.message_key,
        "segment": row.segment_key,
        "status": row.status,
        "send_at": _iso(row.send_at),
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    moment = from_millis(value) if isinstance(value, int) else value
    return str(moment.isoformat().replace("+00:00", "Z"))
