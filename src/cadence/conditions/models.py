"""The condition tree (immutable, validated) and the values it is evaluated against.

Times are epoch milliseconds throughout, as stored in the database, so that
the Python evaluator and the compiled SQL do the same integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from cadence.db.types import to_millis

DAY_MS = 86_400_000
ORDER_EVENT = "Order Completed"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    MATCHES = "matches"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"


# ne, not_in and not_exists are exact negations: a missing value is "not equal".
NEGATIONS: Mapping[Op, Op] = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN, Op.NOT_EXISTS: Op.EXISTS}
ORDERING = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE})

Scalar = str | float | bool


@dataclass(frozen=True, slots=True)
class Instant:
    """A date threshold: absolute epoch ms, or an offset from the evaluation time."""

    millis: int = 0
    relative: bool = False

    def at(self, now_ms: int) -> int:
        return now_ms + self.millis if self.relative else self.millis


@dataclass(frozen=True, slots=True)
class Regex:
    """A pattern in the portable subset, with its spelling for each engine."""

    source: str
    python: str
    postgres: str


Operand = Scalar | tuple[Scalar, ...] | Instant | Regex | None


@dataclass(frozen=True, slots=True)
class Test:
    """An operator applied to one value: `op` is never a negation (see Not)."""

    op: Op
    operand: Operand = None


@dataclass(frozen=True, slots=True)
class FieldRef:
    """traits.<path>, account.<path>, or a registered field by bare name."""

    scope: Literal["traits", "account", "field"]
    path: tuple[str, ...]

    @property
    def name(self) -> str:
        joined = ".".join(self.path)
        return joined if self.scope == "field" else f"{self.scope}.{joined}"


@dataclass(frozen=True, slots=True)
class FieldCond:
    field: FieldRef
    op: Op  # as written, negations included
    operand: Operand = None

    @property
    def test(self) -> Test:
        return Test(NEGATIONS.get(self.op, self.op), self.operand)


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    path: tuple[str, ...]
    op: Op  # as written, negations included
    operand: Operand

    @property
    def test(self) -> Test:
        return Test(NEGATIONS.get(self.op, self.op), self.operand)


@dataclass(frozen=True, slots=True)
class EventCond:
    """min <= count of matching events <= max; window None means ever."""

    name: str
    where: tuple[PropertyFilter, ...] = ()
    min: int = 1
    max: int | None = None
    window_ms: int | None = None


@dataclass(frozen=True, slots=True)
class BoughtCond:
    """An Order Completed event with a products[] item matching every given attribute."""

    product: Scalar | None = None
    category: Scalar | None = None
    window_ms: int | None = None


ConsentStatus = Literal["granted", "paused", "expired", "withdrawn", "pending"]


@dataclass(frozen=True, slots=True)
class ConsentCond:
    channel: str
    topic: str | None = None  # None = any topic
    status: ConsentStatus = "granted"
    frequency: str | None = None  # the contact's frequency choice must be this one


@dataclass(frozen=True, slots=True)
class SegmentCond:
    key: str


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Leaf = FieldCond | EventCond | BoughtCond | ConsentCond | SegmentCond
Condition = AllOf | AnyOf | Not | Leaf

# What a resolver returns for a static list: a condition with no references.
STATIC_SEGMENT: Condition = AllOf(items=())


@dataclass(frozen=True, slots=True)
class EventRecord:
    name: str
    ts: int
    properties: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    channel: str
    topic: str
    status: str
    paused_until: int | None = None
    expires_at: int | None = None
    frequency: str | None = None


@dataclass(frozen=True, slots=True)
class ContactState:
    """Everything a condition can look at for one contact.

    `columns` holds contacts-table values by column name (times as epoch ms),
    e.g. score, score_as_of, band, grade, first_seen_at, order_count.
    `account_traits` are those of the primary account (None without one).
    """

    contact_id: int
    traits: Mapping[str, Any] = field(default_factory=dict)
    account_traits: Mapping[str, Any] | None = None
    columns: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[EventRecord, ...] = ()
    consents: tuple[ConsentRecord, ...] = ()
    segment_keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class EvalContext:
    """The moment of evaluation and the score half-life (None = no decay)."""

    now: datetime
    half_life_days: float | None = None

    @property
    def now_ms(self) -> int:
        return to_millis(self.now)

    @property
    def half_life_ms(self) -> float | None:
        return None if self.half_life_days is None else self.half_life_days * DAY_MS
