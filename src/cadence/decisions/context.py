"""The raw context of a decision: each declared feature's value, from the caller or the contact.

What the caller sends wins; a feature it leaves out is read from the contact (its
columns, ``traits.*``, ``segments``) or from the decision's moment (``day_of_year``).
Only the declared features are kept: they are what the log stores and the model sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, segment_members, segments
from cadence.decisions.features import lookup

CONTACT_COLUMNS = (
    "grade",
    "band",
    "lifecycle_stage",
    "score",
    "fit",
    "order_count",
    "revenue_total",
    "owner",
)


def feature_names(features: Sequence[str]) -> list[str]:
    """The names to look up: each declared feature without its ``:kind``."""
    return [f.partition(":")[0] for f in features]


def contact_values(uow: UnitOfWork, *, contact_id: int, names: Sequence[str]) -> dict[str, Any]:
    """The contact's side of the context (columns, traits, segment keys), as far as needed."""
    c = contacts.c
    row = uow.conn.execute(
        select(*(c[name] for name in CONTACT_COLUMNS), c.traits).where(c.id == contact_id)
    ).first()
    if row is None:
        return {}
    values: dict[str, Any] = dict(row._mapping)
    if any(name == "segments" for name in names):
        keys = uow.conn.execute(
            select(segments.c.key)
            .join(segment_members, segment_members.c.segment_id == segments.c.id)
            .where(segment_members.c.contact_id == contact_id)
            .order_by(segments.c.key)
        ).scalars()
        values["segments"] = list(keys)
    return values


def _json_value(value: object) -> object:
    """A value the log can store as JSON (anything else is kept as its text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    return str(value)


def raw_context(
    *, names: Sequence[str], given: Mapping[str, Any], contact: Mapping[str, Any], at: int
) -> dict[str, Any]:
    """Each feature's value: the caller's first, then the contact's, then the moment's."""
    moment = {"day_of_year": datetime.fromtimestamp(at / 1000, tz=UTC).timetuple().tm_yday}
    out: dict[str, Any] = {}
    for name in names:
        value = lookup(context=given, name=name)
        if value is None:
            value = lookup(context=contact, name=name)
        if value is None:
            value = moment.get(name)
        out[name] = _json_value(value)
    return out


def needs_contact(names: Sequence[str], given: Mapping[str, Any]) -> bool:
    """Whether any feature must come from the contact row."""
    return any(lookup(context=given, name=name) is None for name in names)
