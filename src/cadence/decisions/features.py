"""Context features: a dict of named values turned into a fixed-length vector.

A ``FeatureSpec`` declares, in order, which fields make up the vector and how each is
encoded, so the same context always gives the same vector (in every process: hashing
uses CRC-32, never Python's salted ``hash``):

- ``Categorical``: one column per value of a learned vocabulary plus an "other" column
  for values outside it, or, with ``buckets``, the value hashed into that many columns;
- ``Numeric``: ``(value - center) / scale`` clipped to ``[-clip, clip]`` (numeric text
  is read as a number);
- ``Flag``: 1 for a true value (or text such as ``"yes"``), else 0;
- ``Memberships``: multi-hot over a vocabulary (segment keys) plus "other", or hashed;
- ``DayOfYear``: time of year as ``sin`` and ``cos`` of the day-of-year angle, so
  31 December and 1 January are neighbours.

A missing value (``None``, or text where a number is expected) encodes as zeros: the
intercept column, first when ``intercept`` is on, carries the baseline. Names may be
dotted (``traits.persona``): an exact key wins, else the path is followed through
nested mappings.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np

YEAR_DAYS = 365.25


class Field(Protocol):
    """One named input and the columns it writes."""

    @property
    def name(self) -> str: ...

    @property
    def width(self) -> int: ...

    def write(self, *, out: np.ndarray, at: int, value: object) -> None: ...

    def columns(self) -> list[str]: ...

    def to_dict(self) -> dict[str, Any]: ...


def _bucket(*, name: str, value: str, buckets: int) -> int:
    return zlib.crc32(f"{name}\x1f{value}".encode()) % buckets


def _number(value: object) -> float | None:
    """A finite number from a number or numeric text; anything else counts as missing."""
    if not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_vocabulary(*, name: str, vocabulary: tuple[str, ...], buckets: int) -> None:
    if bool(vocabulary) == (buckets > 0):
        raise ValueError(f"{name}: give either a vocabulary or a positive number of buckets")
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError(f"{name}: the vocabulary has duplicates")


@dataclass(frozen=True, kw_only=True)
class Categorical:
    """One value among many: a vocabulary with an "other" column, or hashed buckets."""

    name: str
    vocabulary: tuple[str, ...] = ()
    buckets: int = 0
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_vocabulary(name=self.name, vocabulary=self.vocabulary, buckets=self.buckets)
        object.__setattr__(self, "_index", {v: i for i, v in enumerate(self.vocabulary)})

    @property
    def width(self) -> int:
        return len(self.vocabulary) + 1 if self.vocabulary else self.buckets

    def column(self, *, value: object) -> int:
        """The column (relative to the field) that ``value`` sets."""
        text = _text(value)
        if self.buckets:
            return _bucket(name=self.name, value=text, buckets=self.buckets)
        return self._index.get(text, len(self.vocabulary))

    def write(self, *, out: np.ndarray, at: int, value: object) -> None:
        if value is not None:
            out[at + self.column(value=value)] = 1.0

    def columns(self) -> list[str]:
        if self.buckets:
            return [f"{self.name}#{i}" for i in range(self.buckets)]
        return [f"{self.name}={v}" for v in self.vocabulary] + [f"{self.name}=<other>"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "categorical",
            "name": self.name,
            "vocabulary": list(self.vocabulary),
            "buckets": self.buckets,
        }


@dataclass(frozen=True, kw_only=True)
class Memberships(Categorical):
    """A set of keys (segment memberships, lists): multi-hot over a vocabulary or hashed."""

    def write(self, *, out: np.ndarray, at: int, value: object) -> None:
        if value is None:
            return
        keys = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for key in keys:
            out[at + self.column(value=key)] = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "kind": "memberships"}


@dataclass(frozen=True, kw_only=True)
class Numeric:
    """A number, standardised and clipped; missing, non-numeric or non-finite encodes as 0."""

    name: str
    center: float = 0.0
    scale: float = 1.0
    clip: float = 5.0

    def __post_init__(self) -> None:
        if not (self.scale > 0 and self.clip > 0):
            raise ValueError(f"{self.name}: scale and clip must be positive")

    @property
    def width(self) -> int:
        return 1

    def write(self, *, out: np.ndarray, at: int, value: object) -> None:
        number = _number(value)
        if number is not None:
            out[at] = min(max((number - self.center) / self.scale, -self.clip), self.clip)

    def columns(self) -> list[str]:
        return [self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "numeric", **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class Flag:
    """A boolean: 1 when true (text counts when it says ``true``, ``yes``, ``on`` or ``1``)."""

    name: str

    @property
    def width(self) -> int:
        return 1

    def write(self, *, out: np.ndarray, at: int, value: object) -> None:
        if isinstance(value, str):
            value = value.strip().lower() in ("true", "yes", "on", "1")
        out[at] = 1.0 if value else 0.0

    def columns(self) -> list[str]:
        return [self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "flag", "name": self.name}


def day_of_year(*, value: object) -> float | None:
    """Day of the year (1..366) of a date, a datetime or a number given as the day."""
    if isinstance(value, datetime | date):
        return float(value.timetuple().tm_yday)
    return _number(value)


@dataclass(frozen=True, kw_only=True)
class DayOfYear:
    """Time of year on the unit circle: ``sin`` and ``cos`` of ``2π (day - 1) / 365.25``."""

    name: str

    @property
    def width(self) -> int:
        return 2

    def write(self, *, out: np.ndarray, at: int, value: object) -> None:
        day = day_of_year(value=value)
        if day is None:
            return
        angle = 2.0 * math.pi * (day - 1.0) / YEAR_DAYS
        out[at] = math.sin(angle)
        out[at + 1] = math.cos(angle)

    def columns(self) -> list[str]:
        return [f"{self.name}.sin", f"{self.name}.cos"]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "day_of_year", "name": self.name}


_KINDS: dict[str, Any] = {
    "categorical": Categorical,
    "memberships": Memberships,
    "numeric": Numeric,
    "flag": Flag,
    "day_of_year": DayOfYear,
}


def field_from_dict(*, data: Mapping[str, Any]) -> Field:
    """Rebuild a field from ``Field.to_dict()``."""
    values = dict(data)
    kind = _KINDS.get(values.pop("kind", None))
    if kind is None:
        raise ValueError(f"unknown feature kind {data.get('kind')!r}")
    if "vocabulary" in values:
        values["vocabulary"] = tuple(values["vocabulary"])
    built: Field = kind(**values)
    return built


def lookup(*, context: Mapping[str, object], name: str) -> object:
    """The value named ``name``: an exact key, else a dotted path through nested mappings."""
    if name in context:
        return context[name]
    value: object = context
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


@dataclass(frozen=True, kw_only=True)
class FeatureSpec:
    """The declared, ordered fields of a context vector (plus an intercept column)."""

    fields: tuple[Field, ...]
    intercept: bool = True
    dimension: int = field(init=False)
    _offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("feature names must be unique")
        offsets, at = [], int(self.intercept)
        for f in self.fields:
            offsets.append(at)
            at += f.width
        object.__setattr__(self, "_offsets", tuple(offsets))
        object.__setattr__(self, "dimension", at)

    def encode(self, *, context: Mapping[str, object]) -> np.ndarray:
        """The vector for one context (float64, length ``dimension``)."""
        out = np.zeros(self.dimension)
        if self.intercept:
            out[0] = 1.0
        for f, at in zip(self.fields, self._offsets, strict=True):
            f.write(out=out, at=at, value=lookup(context=context, name=f.name))
        return out

    def encode_many(self, *, contexts: Iterable[Mapping[str, object]]) -> np.ndarray:
        """One row per context."""
        rows = [self.encode(context=c) for c in contexts]
        return np.vstack(rows) if rows else np.zeros((0, self.dimension))

    def columns(self) -> list[str]:
        """A readable name per column, for explanations and exports."""
        head = ["<intercept>"] if self.intercept else []
        return head + [c for f in self.fields for c in f.columns()]

    def to_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "fields": [f.to_dict() for f in self.fields]}

    @classmethod
    def from_dict(cls, *, data: Mapping[str, Any]) -> FeatureSpec:
        fields = tuple(field_from_dict(data=f) for f in data["fields"])
        return cls(fields=fields, intercept=bool(data["intercept"]))


def fit_vocabulary(
    *, values: Iterable[object], max_size: int, min_count: int = 1
) -> tuple[str, ...]:
    """The most frequent values (at least ``min_count`` times), ties in text order."""
    counts = Counter(_text(v) for v in values if v is not None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(value for value, count in ranked[:max_size] if count >= min_count)
