"""Segment use cases for the API and the workspace file."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, insert, select, update

from cadence.conditions import Condition, dependencies, parse_condition
from cadence.contacts.profile import normalise_email
from cadence.contacts.service import contacts_json
from cadence.contacts.store import load_identities
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, schedule, segment_history, segment_members, segments
from cadence.db.types import from_millis
from cadence.errors import FieldError, InputError, NotFound
from cadence.segments import config
from cadence.segments.config import SegmentSpec
from cadence.segments.rebuild import RebuildReport, matching, rebuild
from cadence.segments.store import LiveSegment, load_segments, write_changes

_S = segments.c


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def stored_specs(uow: UnitOfWork) -> list[SegmentSpec]:
    rows = uow.conn.execute(select(segments).order_by(_S.key))
    return [SegmentSpec(r.key, r.name, r.description, r.kind, r.condition) for r in rows]


def validate(uow: UnitOfWork, spec: SegmentSpec, *, path: str = "") -> None:
    """Refuse a definition whose condition, references or cycles are wrong (nothing written)."""
    others = [s for s in stored_specs(uow) if s.key != spec.key]
    errors = config.check_conditions([(path, spec)], universe=[*others, spec])
    if errors:
        raise InputError(errors)


def segment_json(uow: UnitOfWork, row: Any) -> dict[str, Any]:
    size = uow.conn.execute(
        select(sa.func.count())
        .select_from(segment_members)
        .where(segment_members.c.segment_id == row.id)
    ).scalar_one()
    return {
        "id": row.id,
        "key": row.key,
        "name": row.name,
        "description": row.description,
        "kind": row.kind,
        "condition": row.condition,
        "managed_by": row.managed_by,
        "size": size,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def list_segments(uow: UnitOfWork) -> list[dict[str, Any]]:
    return [segment_json(uow, r) for r in uow.conn.execute(select(segments).order_by(_S.key))]


def managed_keys(uow: UnitOfWork, owner: str) -> list[str]:
    return list(uow.conn.scalars(select(_S.key).where(_S.managed_by == owner).order_by(_S.key)))


def exists(uow: UnitOfWork, key: str) -> bool:
    return uow.conn.execute(select(_S.id).where(_S.key == key)).first() is not None


def get_row(uow: UnitOfWork, key: str) -> Any:
    row = uow.conn.execute(select(segments).where(_S.key == key)).first()
    if row is None:
        raise NotFound("segment", "key")
    return row


def live(uow: UnitOfWork, key: str) -> LiveSegment:
    for segment in load_segments(uow):
        if segment.key == key:
            return segment
    raise NotFound("segment", "key")


def save(
    uow: UnitOfWork,
    spec: SegmentSpec,
    *,
    now: int,
    managed_by: str,
    half_life_days: float | None = None,
) -> tuple[dict[str, Any], list[RebuildReport]]:
    """Create or replace a definition; rebuild it (and what references it) when it changed."""
    existing = uow.conn.execute(select(segments).where(_S.key == spec.key)).first()
    values = {
        "name": spec.name,
        "description": spec.description,
        "kind": spec.kind,
        "condition": spec.condition,
        "managed_by": managed_by,
        "updated_at": now,
    }
    changed = existing is None or (existing.kind, existing.condition) != (spec.kind, spec.condition)
    if existing is None:
        uow.conn.execute(insert(segments).values(key=spec.key, created_at=now, **values))
    else:
        if existing.kind == "static" and spec.kind == "dynamic":
            uow.conn.execute(
                delete(segment_members).where(segment_members.c.segment_id == existing.id)
            )
        uow.conn.execute(update(segments).where(_S.id == existing.id).values(**values))
    reports = rebuild_from(uow, spec.key, now=now, half_life_days=half_life_days) if changed else []
    return segment_json(uow, get_row(uow, spec.key)), reports


def rebuild_from(
    uow: UnitOfWork, key: str, *, now: int, half_life_days: float | None = None
) -> list[RebuildReport]:
    """Rebuild ``key`` and every segment that depends on it, in dependency order."""
    ordered = load_segments(uow)
    dirty = {key}
    reports = []
    for segment in ordered:
        if segment.key in dirty or segment.deps.segments & dirty:
            dirty.add(segment.key)
            if segment.dynamic:
                reports.append(rebuild(uow, segment, now=now, half_life_days=half_life_days))
    return reports


def remove(uow: UnitOfWork, key: str) -> None:
    row = get_row(uow, key)
    users = [s.key for s in stored_specs(uow) if s.kind == "dynamic" and _refers(s, key)]
    if users:
        raise InputError(
            [FieldError("key", f"segment {key!r} is used by {', '.join(sorted(users))}")],
            status=409,
            code="conflict",
        )
    uow.conn.execute(delete(segment_members).where(segment_members.c.segment_id == row.id))
    uow.conn.execute(
        delete(schedule).where(schedule.c.kind == "segment", schedule.c.ref_id == row.id)
    )
    uow.conn.execute(delete(segments).where(_S.id == row.id))


def _refers(spec: SegmentSpec, key: str) -> bool:
    try:
        node: Condition = parse_condition(spec.condition)
    except ValueError:
        return False
    return key in dependencies(node).segments


def members(
    uow: UnitOfWork, key: str, *, limit: int, after: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    row = get_row(uow, key)
    m = segment_members.c
    query = (
        select(m.contact_id).where(m.segment_id == row.id).order_by(m.contact_id).limit(limit + 1)
    )
    if after is not None:
        query = query.where(m.contact_id > after)
    ids = [i for (i,) in uow.conn.execute(query)]
    more = len(ids) > limit
    ids = ids[:limit]
    return contacts_json(uow, ids), ids[-1] if more and ids else None


def preview(
    uow: UnitOfWork,
    raw_condition: Any,
    *,
    now: int,
    sample: int,
    half_life_days: float | None = None,
) -> dict[str, Any]:
    """How many contacts a draft condition matches now, and a sample of them (nothing saved)."""
    spec = SegmentSpec("draft-preview", "draft", "", "dynamic", raw_condition)
    validate(uow, spec, path="condition")
    node = parse_condition(raw_condition)
    draft = LiveSegment(0, spec.key, "dynamic", node, dependencies(node))
    query = matching(
        draft, dialect=uow.dialect, now=from_millis(now), half_life_days=half_life_days
    )
    count = uow.conn.execute(select(sa.func.count()).select_from(query.subquery())).scalar_one()
    ids: list[int] = list(uow.conn.scalars(query.order_by(contacts.c.id).limit(sample)))
    return {"count": count, "sample": contacts_json(uow, ids)}


def contact_history(uow: UnitOfWork, contact_id: int) -> list[dict[str, Any]]:
    """Each stay in a segment: entered_at, exited_at (None while inside) and the reasons."""
    h = segment_history.c
    rows = uow.conn.execute(
        select(h.segment_id, _S.key, _S.name, h.action, h.at, h.reason)
        .join(segments, _S.id == h.segment_id, isouter=True)
        .where(h.contact_id == contact_id)
        .order_by(h.at, h.id)
    )
    stays: list[dict[str, Any]] = []
    open_stays: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.action == "entered":
            stay = {
                "segment": row.key,
                "name": row.name,
                "entered_at": _iso(row.at),
                "exited_at": None,
                "entered_because": row.reason,
                "exited_because": None,
            }
            open_stays[row.segment_id] = stay
            stays.append(stay)
        elif row.segment_id in open_stays:
            stay = open_stays.pop(row.segment_id)
            stay["exited_at"], stay["exited_because"] = _iso(row.at), row.reason
    return stays


def current_keys(uow: UnitOfWork, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    m = segment_members.c
    found: dict[int, list[str]] = {}
    rows = uow.conn.execute(
        select(m.contact_id, _S.key)
        .join(segments, _S.id == m.segment_id)
        .where(m.contact_id.in_(contact_ids))
    )
    for contact_id, key in rows:
        found.setdefault(contact_id, []).append(key)
    return {c: sorted(keys) for c, keys in found.items()}


def sizes(uow: UnitOfWork, key: str, *, days: int, now: int) -> list[dict[str, Any]]:
    """Members at the end of each of the last ``days`` days, derived from the history."""
    row = get_row(uow, key)
    h = segment_history.c
    moves = list(
        uow.conn.execute(
            select(sa.type_coerce(h.at, sa.BigInteger), h.action)
            .where(h.segment_id == row.id)
            .order_by(h.at)
        )
    )
    today = from_millis(now).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    index, size = 0, 0
    for offset in range(days - 1, -1, -1):
        end = today - timedelta(days=offset - 1)
        end_ms = int(end.timestamp() * 1000)
        while index < len(moves) and moves[index][0] < end_ms:
            size += 1 if moves[index][1] == "entered" else -1
            index += 1
        out.append({"date": (end - timedelta(days=1)).date().isoformat(), "size": size})
    return out


def set_static(
    uow: UnitOfWork, key: str, contact_ids: Sequence[int], *, add: bool, now: int
) -> int:
    """Add contacts to (or remove them from) a static list, with history; returns how many moved."""
    row = get_row(uow, key)
    if row.kind != "static":
        raise InputError(
            [FieldError("key", "members of a dynamic segment follow its condition")],
            status=409,
            code="conflict",
        )
    live_ids = {
        i
        for (i,) in uow.conn.execute(
            select(contacts.c.id).where(
                contacts.c.id.in_(list(contact_ids)), contacts.c.merged_into.is_(None)
            )
        )
    }
    unknown = sorted(set(contact_ids) - live_ids)
    if unknown:
        raise InputError([FieldError("contact_ids", f"no such contacts: {unknown[:20]}")])
    m = segment_members.c
    inside = {
        c
        for (c,) in uow.conn.execute(
            select(m.contact_id).where(m.segment_id == row.id, m.contact_id.in_(list(live_ids)))
        )
    }
    moving = sorted(live_ids - inside) if add else sorted(live_ids & inside)
    reason: dict[str, Any] = {
        "cause": "added to the list" if add else "removed from the list",
        "changed": [],
        "leaves": [],
    }
    items = [(row.id, c, now, reason) for c in moving]
    write_changes(
        uow, entered=items if add else [], exited=[] if add else items, keys={row.id: key}
    )
    return len(moving)


def import_list(
    uow: UnitOfWork, key: str, lines: Iterable[str], *, remove: bool, now: int
) -> dict[str, Any]:
    """Add (or remove) the contacts a CSV names by email or user_id; report unknown rows."""
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader, [])]
    column = next((c for c in ("email", "user_id") if c in header), None)
    if column is None:
        raise InputError([FieldError("header", "the file needs an email or a user_id column")])
    index = header.index(column)
    wanted: list[tuple[int, str]] = []
    errors: list[dict[str, Any]] = []
    for row in reader:
        value = row[index].strip() if index < len(row) else ""
        if column == "email" and value:
            value = normalise_email(value) or value
        if value:
            wanted.append((reader.line_num, value))
        elif any(cell.strip() for cell in row):
            errors.append({"line": reader.line_num, "reason": f"no {column}"})
    found = load_identities(uow, {column: {v for _, v in wanted}})
    errors += [
        {"line": n, "reason": f"no contact with {column} {v!r}"}
        for n, v in wanted
        if (column, v) not in found
    ]
    ids = sorted(set(found.values()))
    moved = set_static(uow, key, ids, add=not remove, now=now) if ids else 0
    return {"matched": len(ids), "moved": moved, "errors": sorted(errors, key=lambda e: e["line"])}
