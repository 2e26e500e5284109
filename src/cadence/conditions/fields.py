"""The registry of fields written by bare name (`score`, `band`, `tenure_days` ...).

Each entry says how to read the field in Python (from a ContactState), how
to read it in SQL (over the `contacts` table), which contacts columns it
depends on, and how it moves as time passes. To add a field, e.g. a
`predicted_conversion` column, add one line to `FIELDS` below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from cadence.conditions.models import DAY_MS, ContactState
from cadence.conditions.values import Moment
from cadence.db.sqlite_functions import MAX_EXPONENT, clamped_power2
from cadence.db.tables import contacts
from cadence.db.types import Millis


class Kind(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class SqlEnv:
    """What compiled SQL needs besides the condition: the dialect and the clock."""

    dialect: str
    now_ms: int
    half_life_ms: float | None

    @property
    def now(self) -> ColumnElement[int]:
        return sa.literal(self.now_ms, sa.BigInteger())


@dataclass(frozen=True, slots=True)
class Clock:
    """How a field's value moves with time, for next_change_at.

    `anchor` is the column the field counts whole days from, or None for the
    decayed score.
    """

    anchor: str | None


Reader = Callable[[ContactState, int, float | None], Any]
SqlReader = Callable[[SqlEnv], ColumnElement[Any]]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    columns: tuple[str, ...]
    read: Reader  # (state, now_ms, half_life_ms) -> float | str | Moment | None
    sql: SqlReader
    clock: Clock | None = None
    description: str = ""


def raw(column: str) -> ColumnElement[Any]:
    """A contacts column without result conversion (times stay epoch ms)."""
    col = contacts.c[column]
    return sa.type_coerce(col, sa.BigInteger()) if isinstance(col.type, Millis) else col


def _convert(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.NUMBER:
        return float(value)
    if kind is Kind.DATE:
        return Moment(int(value))
    return str(value)


def column_field(
    name: str, kind: Kind, column: str | None = None, description: str = ""
) -> FieldSpec:
    """A field that is a contacts column as stored."""
    col = column or name

    def read(state: ContactState, _now: int, _half: float | None) -> Any:
        value = state.columns.get(col)
        if value is None:
            return None
        return float(value) if kind is Kind.NUMBER else _convert(kind, value)

    return FieldSpec(
        name=name,
        kind=kind,
        columns=(col,),
        read=read,
        sql=lambda _env: raw(col),
        description=description,
    )


def whole_days(elapsed_ms: int) -> int:
    return elapsed_ms // DAY_MS


def _sql_whole_days(elapsed: ColumnElement[int]) -> ColumnElement[int]:
    # Integer division truncates in SQL; floor it so future anchors agree with Python.
    return sa.case(
        (elapsed >= 0, elapsed // DAY_MS),
        else_=-((DAY_MS - 1 - elapsed) // DAY_MS),
    )


def days_since_field(name: str, column: str, description: str) -> FieldSpec:
    """Whole days elapsed since a contacts time column (None while it is unset)."""

    def read(state: ContactState, now_ms: int, _half: float | None) -> float | None:
        anchor = state.columns.get(column)
        return None if anchor is None else float(whole_days(now_ms - int(anchor)))

    def sql(env: SqlEnv) -> ColumnElement[Any]:
        return _sql_whole_days(env.now - raw(column))

    return FieldSpec(name, Kind.NUMBER, (column,), read, sql, Clock(anchor=column), description)


def decayed_score(
    score: float, as_of: int | None, now_ms: int, half_life_ms: float | None
) -> float:
    """score * 2 ** (-(now - as_of) / half_life), the exponent clamped like in SQL."""
    if as_of is None or half_life_ms is None:
        return score
    return score * clamped_power2(-(now_ms - as_of) / half_life_ms)


def _read_score(state: ContactState, now_ms: int, half_life_ms: float | None) -> float | None:
    score = state.columns.get("score")
    if score is None:
        return None
    as_of = state.columns.get("score_as_of")
    return decayed_score(float(score), None if as_of is None else int(as_of), now_ms, half_life_ms)


def _sql_score(env: SqlEnv) -> ColumnElement[Any]:
    score = contacts.c.score
    if env.half_life_ms is None:
        return score
    exponent = -(env.now - raw("score_as_of")) / sa.literal(env.half_life_ms, sa.Float())
    if env.dialect == "sqlite":
        factor: ColumnElement[Any] = sa.func.cadence_power2(exponent)
    else:
        limit = sa.literal(MAX_EXPONENT, sa.Float())
        clamped = sa.func.greatest(sa.func.least(exponent, limit), -limit)
        factor = sa.func.power(sa.literal(2.0, sa.Float()), clamped)
    return sa.case((contacts.c.score_as_of.is_(None), score), else_=score * factor)


SCORE = FieldSpec(
    "score",
    Kind.NUMBER,
    ("score", "score_as_of"),
    _read_score,
    _sql_score,
    Clock(anchor=None),
    "interest score, decayed to the moment of evaluation",
)

FIELDS: Mapping[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        SCORE,
        column_field("band", Kind.NUMBER, description="score band, 1 (hot) to 5"),
        column_field("grade", Kind.TEXT, description="fit grade, A (best) to E"),
        column_field("fit", Kind.NUMBER, description="fit points behind the grade"),
        column_field("lifecycle_stage", Kind.TEXT, description="lead, mql, sql, ..."),
        column_field("owner", Kind.TEXT, description="sales owner"),
        column_field(
            "predicted_conversion",
            Kind.NUMBER,
            description="probability (0-1) of becoming SQL or customer, from the active model",
        ),
        column_field("profile_level", Kind.NUMBER, description="profile level 0-3"),
        column_field("email", Kind.TEXT, description="email address"),
        column_field("first_seen_at", Kind.DATE),
        column_field("last_seen_at", Kind.DATE),
        column_field("first_order_at", Kind.DATE),
        column_field("last_order_at", Kind.DATE),
        days_since_field("tenure_days", "first_seen_at", "whole days since first seen"),
        days_since_field(
            "customer_tenure_days", "first_order_at", "whole days since the first order"
        ),
        column_field("purchases.count", Kind.NUMBER, "order_count", "number of orders"),
        column_field("purchases.total", Kind.NUMBER, "revenue_total", "total order revenue"),
        days_since_field(
            "purchases.days_since_last", "last_order_at", "whole days since the last order"
        ),
    )
}


def state_columns() -> tuple[str, ...]:
    """Every contacts column some registered field reads (what the loader selects)."""
    return tuple(sorted({column for spec in FIELDS.values() for column in spec.columns}))
