"""Parsing the behaviour, purchase, consent and segment leaves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast, get_args

from cadence.conditions.errors import join_path
from cadence.conditions.models import (
    DAY_MS,
    BoughtCond,
    ConsentCond,
    ConsentStatus,
    EventCond,
    Op,
    PropertyFilter,
    SegmentCond,
)
from cadence.conditions.operands import (
    OPS_BY_KIND,
    Problems,
    check_key_path,
    describe_kind,
    parse_operand,
    parse_scalar,
    reject_extra_keys,
)

MAX_WINDOW_DAYS = 36_600
MAX_NAME = 255


def _text(raw: Any, path: str, problems: Problems, what: str) -> str | None:
    if isinstance(raw, str) and raw and len(raw) <= MAX_NAME:
        return raw
    problems.add(path, f"expected {what} (non-empty text), got {describe_kind(raw)}")
    return None


def _count(raw: Any, path: str, problems: Problems) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        problems.add(path, f"expected a whole number >= 0, got {raw!r}")
        return None
    return raw


def parse_window(raw: Mapping[str, Any], path: str, problems: Problems) -> int | None:
    """`within_days: D` as milliseconds; absent means ever."""
    if "within_days" not in raw:
        return None
    days = raw["within_days"]
    number_ok = isinstance(days, int | float) and not isinstance(days, bool)
    if not number_ok or not 0 < days <= MAX_WINDOW_DAYS:
        problems.add(
            join_path(path, "within_days"),
            f"expected a number of days above 0 and up to {MAX_WINDOW_DAYS}, got {days!r}",
        )
        return None
    return round(float(days) * DAY_MS)


def _parse_filter(key: Any, raw: Any, path: str, problems: Problems) -> PropertyFilter | None:
    keys = check_key_path(key, path, problems) if isinstance(key, str) else None
    if keys is None:
        if not isinstance(key, str):
            problems.add(path, f"property names are text, got {describe_kind(key)}")
        return None
    op, value, value_path = Op.EQ, raw, path
    if isinstance(raw, list):
        op = Op.IN
    elif isinstance(raw, Mapping):
        reject_extra_keys(raw, ("op", "value"), path, problems)
        try:
            op = Op(str(raw.get("op")))
        except ValueError:
            problems.add(join_path(path, "op"), f"expected one of {', '.join(OPS_BY_KIND[None])}")
            return None
        value, value_path = raw.get("value"), join_path(path, "value")
        if op in (Op.EXISTS, Op.NOT_EXISTS):
            return PropertyFilter(keys, op, None)
    before = len(problems.errors)
    operand = parse_operand(op, value, None, value_path, problems)
    return None if len(problems.errors) > before else PropertyFilter(keys, op, operand)


def _parse_where(raw: Any, path: str, problems: Problems) -> tuple[PropertyFilter, ...] | None:
    if not isinstance(raw, Mapping):
        problems.add(path, f"expected property: value pairs, got {describe_kind(raw)}")
        return None
    filters = [
        _parse_filter(key, value, join_path(path, str(key)), problems) for key, value in raw.items()
    ]
    kept = tuple(item for item in filters if item is not None)
    return kept if len(kept) == len(filters) else None


def parse_event(raw: Mapping[str, Any], path: str, problems: Problems) -> EventCond | None:
    """{event: NAME, where: {...}, min: N, max: M, within_days: D}"""
    reject_extra_keys(raw, ("event", "where", "min", "max", "within_days"), path, problems)
    before = len(problems.errors)
    name = _text(raw["event"], join_path(path, "event"), problems, "an event name")
    where = _parse_where(raw["where"], join_path(path, "where"), problems) if "where" in raw else ()
    window = parse_window(raw, path, problems)
    low = _count(raw["min"], join_path(path, "min"), problems) if "min" in raw else None
    high = _count(raw["max"], join_path(path, "max"), problems) if "max" in raw else None
    if low is not None and high is not None and low > high:
        problems.add(join_path(path, "min"), f"min ({low}) is above max ({high})")
    if len(problems.errors) > before or name is None or where is None:
        return None
    if low is None:
        low = 1 if high is None else 0  # "at most N" includes never
    return EventCond(name=name, where=where, min=low, max=high, window_ms=window)


def parse_bought(raw: Mapping[str, Any], path: str, problems: Problems) -> BoughtCond | None:
    """{bought: {product: X, category: Y}, within_days: D} over Order Completed products[]."""
    reject_extra_keys(raw, ("bought", "within_days"), path, problems)
    before = len(problems.errors)
    spec, spec_path = raw["bought"], join_path(path, "bought")
    window = parse_window(raw, path, problems)
    if not isinstance(spec, Mapping) or not ({"product", "category"} & set(spec)):
        problems.add(spec_path, "expected {product: ...} and/or {category: ...}")
        return None
    reject_extra_keys(spec, ("product", "category"), spec_path, problems)
    values = {}
    for key in ("product", "category"):
        if key in spec:
            item_path = join_path(spec_path, key)
            if isinstance(spec[key], bool):
                problems.add(item_path, "expected text or a number")
            values[key] = parse_scalar(spec[key], None, item_path, problems)
    if len(problems.errors) > before:
        return None
    return BoughtCond(
        product=values.get("product"), category=values.get("category"), window_ms=window
    )


FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "quarterly")


def parse_consent(raw: Mapping[str, Any], path: str, problems: Problems) -> ConsentCond | None:
    """{consent: {channel: email, topic: offers, status: granted}}"""
    reject_extra_keys(raw, ("consent",), path, problems)
    spec, spec_path = raw["consent"], join_path(path, "consent")
    if not isinstance(spec, Mapping):
        problems.add(spec_path, "expected {channel: ..., topic: ..., status: ...}")
        return None
    before = len(problems.errors)
    reject_extra_keys(spec, ("channel", "topic", "status", "frequency"), spec_path, problems)
    channel = _text(spec.get("channel"), join_path(spec_path, "channel"), problems, "a channel")
    topic = None
    if "topic" in spec:
        topic = _text(spec["topic"], join_path(spec_path, "topic"), problems, "a topic")
    status = spec.get("status", "granted")
    statuses = get_args(ConsentStatus)
    if status not in statuses:
        problems.add(join_path(spec_path, "status"), f"expected one of {', '.join(statuses)}")
    frequency = spec.get("frequency")
    if frequency is not None and frequency not in FREQUENCIES:
        problems.add(join_path(spec_path, "frequency"), f"expected one of {', '.join(FREQUENCIES)}")
    if len(problems.errors) > before or channel is None:
        return None
    return ConsentCond(
        channel=channel, topic=topic, status=cast(ConsentStatus, status), frequency=frequency
    )


def parse_segment(raw: Mapping[str, Any], path: str, problems: Problems) -> SegmentCond | None:
    """{segment: KEY}: membership of another segment, as currently recorded."""
    reject_extra_keys(raw, ("segment",), path, problems)
    key = _text(raw["segment"], join_path(path, "segment"), problems, "a segment key")
    return None if key is None else SegmentCond(key)
