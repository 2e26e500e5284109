"""Decision points as declared: the ``decisions:`` section of the workspace file.

```yaml
decisions:
  - key: homepage-offer
    options: [guide, webinar, discount]
    features: [traits.persona, traits.country, grade, band]
    reward: {event: Demo Requested, within_days: 7, negative: [Unsubscribed]}
    algorithm: thompson      # or linucb
    exploration: 0.1         # the floor: every eligible option has at least this / k
```

A feature is a name looked up in the decision's context (the contact's columns,
``traits.*``, ``segments``, ``day_of_year``, or what the caller sends), optionally with
its encoding after a colon (``traits.employees:numeric``). Names alone get the
encoding that fits them (``FEATURE_DEFAULTS``); anything else is a categorical hashed
into ``HASH_BUCKETS`` columns, so no vocabulary has to be learnt first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from cadence.decisions.features import (
    Categorical,
    DayOfYear,
    FeatureSpec,
    Field,
    Flag,
    Memberships,
    Numeric,
)
from cadence.errors import FieldError

KEY = re.compile(r"^[a-z0-9][a-z0-9_:.-]{0,127}$")
FEATURE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}(:[a-z_]+)?$")
ALGORITHMS = ("thompson", "linucb")
KINDS = ("categorical", "numeric", "flag", "memberships", "day_of_year")
HASH_BUCKETS = 16
MAX_OPTIONS = 64
MAX_FEATURES = 64
DAY_MS = 86_400_000

FEATURE_DEFAULTS: dict[str, Field] = {
    "grade": Categorical(name="grade", vocabulary=("A", "B", "C", "D", "E")),
    "band": Numeric(name="band", center=3.0, scale=2.0),
    "score": Numeric(name="score", center=0.0, scale=50.0),
    "fit": Numeric(name="fit", center=0.0, scale=50.0),
    "order_count": Numeric(name="order_count", scale=5.0),
    "revenue_total": Numeric(name="revenue_total", scale=1000.0),
    "segments": Memberships(name="segments", buckets=32),
    "day_of_year": DayOfYear(name="day_of_year"),
}


@dataclass(frozen=True, kw_only=True)
class RewardSpec:
    """A goal event within a window is worth 1; a listed negative event is worth ``penalty``.

    ``where`` narrows the goal event to those whose properties equal the given values.
    When both happen within the window the negative wins: an unsubscribe is a cost
    whatever else the message did.
    """

    event: str
    within_days: float
    where: Mapping[str, Any] = field(default_factory=dict)
    negative: tuple[str, ...] = ()
    penalty: float = -1.0

    @property
    def window_ms(self) -> int:
        return round(self.within_days * DAY_MS)

    def as_document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "within_days": self.within_days}
        if self.where:
            out["where"] = dict(self.where)
        if self.negative:
            out["negative"] = list(self.negative)
            out["penalty"] = self.penalty
        return out


@dataclass(frozen=True, kw_only=True)
class PointSpec:
    """One decision point as declared."""

    key: str
    options: tuple[str, ...]
    features: tuple[str, ...]
    reward: RewardSpec | None = None
    algorithm: str = "thompson"
    exploration: float = 0.1

    def as_document(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "options": list(self.options),
            "features": list(self.features),
        }
        if self.reward is not None:
            out["reward"] = self.reward.as_document()
        out["algorithm"] = self.algorithm
        out["exploration"] = self.exploration
        return out


def feature_field(name: str) -> Field:
    """The encoding of one declared feature (``name`` or ``name:kind``)."""
    base, _, kind = name.partition(":")
    if not kind:
        return FEATURE_DEFAULTS.get(base) or Categorical(name=base, buckets=HASH_BUCKETS)
    built: dict[str, Field] = {
        "categorical": Categorical(name=base, buckets=HASH_BUCKETS),
        "memberships": Memberships(name=base, buckets=2 * HASH_BUCKETS),
        "numeric": Numeric(name=base),
        "flag": Flag(name=base),
        "day_of_year": DayOfYear(name=base),
    }
    return built[kind]


def feature_spec(features: Sequence[str]) -> FeatureSpec:
    """The context vector of a point: an intercept and each declared feature, in order."""
    return FeatureSpec(fields=tuple(feature_field(f) for f in features))


def _strings(raw: Any, *, limit: int, pattern: re.Pattern[str] | None) -> list[str]:
    if not isinstance(raw, list) or not raw or len(raw) > limit:
        raise ValueError(f"a list of 1 to {limit} names")
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str) or not item.strip() or len(item) > 128:
            raise ValueError("each entry must be a non-empty text of at most 128 characters")
        if pattern is not None and not pattern.match(item):
            raise ValueError(f"{item!r} is not a valid name")
        if item.partition(":")[0] in seen:
            raise ValueError(f"{item!r} is listed twice")
        seen.add(item.partition(":")[0])
    return list(raw)


def check_features(raw: Any, *, path: str) -> list[FieldError]:
    """Problems with a feature list (empty when it is fine)."""
    try:
        names = _strings(raw, limit=MAX_FEATURES, pattern=FEATURE)
    except ValueError as error:
        return [FieldError(path, str(error))]
    bad = [n for n in names if n.partition(":")[2] and n.partition(":")[2] not in KINDS]
    return [FieldError(path, f"{n!r}: the kind must be one of {', '.join(KINDS)}") for n in bad]


def check_options(raw: Any, *, path: str) -> list[FieldError]:
    """Problems with an option list (empty when it is fine)."""
    try:
        _strings(raw, limit=MAX_OPTIONS, pattern=None)
    except ValueError as error:
        return [FieldError(path, str(error))]
    return []


def parse_reward(raw: Any, *, path: str) -> tuple[RewardSpec | None, list[FieldError]]:
    """A reward mapping, or None when absent."""
    if raw is None:
        return None, []
    if not isinstance(raw, Mapping):
        return None, [FieldError(path, "must be a mapping with event and within_days")]
    allowed = {"event", "within_days", "where", "negative", "penalty"}
    errors = [FieldError(f"{path}.{k}", "unknown field") for k in sorted(set(raw) - allowed)]
    event, days = raw.get("event"), raw.get("within_days")
    where, negative, penalty = raw.get("where", {}), raw.get("negative", []), raw.get("penalty", -1)
    if not isinstance(event, str) or not event.strip():
        errors.append(FieldError(f"{path}.event", "the name of the goal event"))
    if not _number(days) or not 0 < days <= 366:
        errors.append(FieldError(f"{path}.within_days", "a number of days within (0, 366]"))
    if not isinstance(where, Mapping) or not all(isinstance(k, str) for k in where):
        errors.append(FieldError(f"{path}.where", "a mapping of event property to value"))
    if not isinstance(negative, list) or not all(isinstance(n, str) and n for n in negative):
        errors.append(FieldError(f"{path}.negative", "a list of event names"))
    if not _number(penalty) or penalty > 0:
        errors.append(FieldError(f"{path}.penalty", "a number not above 0"))
    if errors or not isinstance(event, str) or not isinstance(days, int | float):
        return None, errors
    spec = RewardSpec(
        event=event,
        within_days=float(days),
        where=dict(where),
        negative=tuple(negative),
        penalty=float(penalty),
    )
    return spec, []


def _number(value: Any) -> TypeGuard[float]:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return bool(is_number and math.isfinite(value))


def parse_point(item: Any, *, path: str) -> tuple[PointSpec | None, list[FieldError]]:
    """One entry of the section."""
    if not isinstance(item, Mapping):
        return None, [FieldError(path, "must be a mapping with key, options and features")]
    allowed = {"key", "options", "features", "reward", "algorithm", "exploration"}
    errors = [FieldError(f"{path}.{k}", "unknown field") for k in sorted(set(item) - allowed)]
    key = item.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        errors.append(FieldError(f"{path}.key", "lower-case letters, digits, -, _, : and ."))
    errors += check_options(item.get("options"), path=f"{path}.options")
    errors += check_features(item.get("features"), path=f"{path}.features")
    reward, problems = parse_reward(item.get("reward"), path=f"{path}.reward")
    errors += problems
    algorithm, exploration = item.get("algorithm", "thompson"), item.get("exploration", 0.1)
    if algorithm not in ALGORITHMS:
        errors.append(FieldError(f"{path}.algorithm", f"one of {', '.join(ALGORITHMS)}"))
    if not _number(exploration) or not 0 < exploration <= 1:
        errors.append(FieldError(f"{path}.exploration", "a number within (0, 1]"))
    if errors or not isinstance(key, str):
        return None, errors
    spec = PointSpec(
        key=key,
        options=tuple(item["options"]),
        features=tuple(item["features"]),
        reward=reward,
        algorithm=algorithm,
        exploration=float(exploration),
    )
    return spec, []


def parse(raw: Any) -> tuple[list[PointSpec], list[FieldError]]:
    """The whole ``decisions:`` list, every problem reported with its path."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [FieldError("decisions", "must be a list")]
    points: list[PointSpec] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"decisions[{index}]"
        point, problems = parse_point(item, path=path)
        errors += problems
        if point is not None and point.key in seen:
            errors.append(FieldError(f"{path}.key", "duplicate key"))
        elif point is not None:
            seen.add(point.key)
            points.append(point)
    return points, errors
