"""Parsing: the canonical shapes, and errors that point at the offending part."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cadence.conditions import (
    STATIC_SEGMENT,
    Condition,
    InvalidCondition,
    parse_condition,
    validate_condition,
)
from cadence.conditions.models import (
    AllOf,
    AnyOf,
    EventCond,
    FieldCond,
    FieldRef,
    Instant,
    Not,
    Op,
    PropertyFilter,
    SegmentCond,
)

CANONICAL = """
all:
  - {field: traits.country, op: in, value: [DE, FR, GB]}
  - {field: account.employees, op: gte, value: 1000}
  - {field: band, op: lte, value: 2}
  - {event: Demo Requested, within_days: 30}
  - {event: Email Clicked, where: {campaign: spring}, min: 2, within_days: 30}
  - not: {event: Unsubscribed}
  - {event: Order Completed, max: 0, within_days: 90}
  - {segment: emea-decision-makers}
"""


def errors(raw: Any, **kwargs: Any) -> dict[str, str]:
    return {error.path: error.message for error in validate_condition(raw, **kwargs)}


def test_the_canonical_shapes_parse_into_the_tree() -> None:
    node = parse_condition(yaml.safe_load(CANONICAL))
    assert isinstance(node, AllOf)
    country, employees, band, demo, clicks, unsubscribed, orders, segment = node.items
    assert country == FieldCond(FieldRef("traits", ("country",)), Op.IN, ("DE", "FR", "GB"))
    assert isinstance(employees, FieldCond) and employees.field.name == "account.employees"
    assert isinstance(band, FieldCond) and band.operand == 2.0
    assert demo == EventCond("Demo Requested", min=1, window_ms=30 * 86_400_000)
    assert clicks == EventCond(
        "Email Clicked",
        where=(PropertyFilter(("campaign",), Op.EQ, "spring"),),
        min=2,
        window_ms=30 * 86_400_000,
    )
    assert unsubscribed == Not(EventCond("Unsubscribed"))
    assert orders == EventCond("Order Completed", min=0, max=0, window_ms=90 * 86_400_000)
    assert segment == SegmentCond("emea-decision-makers")


def test_dates_parse_from_iso_text_yaml_dates_and_relative_forms() -> None:
    raw = yaml.safe_load("""
any:
  - {field: first_seen_at, op: gte, value: 2024-01-31}
  - {field: first_seen_at, op: gte, value: "2024-01-31T10:00:00+02:00"}
  - {field: traits.renewal, op: lt, value: -30d}
  - {field: traits.renewal, op: lt, value: +2w}
  - {field: traits.renewal, op: lt, value: -12h}
  - {field: traits.renewal, op: lt, value: now}
""")
    node = parse_condition(raw)
    assert isinstance(node, AnyOf)
    operands = [item.operand for item in node.items if isinstance(item, FieldCond)]
    assert operands == [
        Instant(1_706_659_200_000),
        Instant(1_706_688_000_000),
        Instant(-30 * 86_400_000, relative=True),
        Instant(14 * 86_400_000, relative=True),
        Instant(-12 * 3_600_000, relative=True),
        Instant(0, relative=True),
    ]


def test_min_defaults_to_one_and_to_zero_when_only_max_is_given() -> None:
    assert parse_condition({"event": "X"}) == EventCond("X", min=1)
    assert parse_condition({"event": "X", "max": 2}) == EventCond("X", min=0, max=2)


@pytest.mark.parametrize(
    ("raw", "path", "fragment"),
    [
        (
            {"all": [{"field": "bnad", "op": "eq", "value": 1}]},
            "all[0].field",
            "did you mean 'band'",
        ),
        ({"all": [{"field": "band", "op": "matches", "value": "x"}]}, "all[0].op", "number field"),
        ({"field": "band", "op": "between", "value": 1}, "op", "unknown operator"),
        ({"field": "band", "op": "eq", "value": "two"}, "value", "expected a number"),
        ({"field": "grade", "op": "in", "value": "A"}, "value", "non-empty list"),
        ({"field": "grade", "op": "in", "value": ["A", 2]}, "value[1]", "expected text"),
        ({"field": "traits.x", "op": "matches", "value": "(a"}, "value", "never closed"),
        ({"field": "traits.x", "op": "matches", "value": r"\bword"}, "value", "differs"),
        ({"field": "traits.x", "op": "gt", "value": "soon"}, "value", "number or a date"),
        ({"field": "first_seen_at", "op": "gt", "value": 5}, "value", "expected a date"),
        ({"field": "traits.x", "op": "exists", "value": 1}, "value", "takes no value"),
        ({"field": "traits.x", "op": "eq"}, "value", "needs a value"),
        ({"field": "traits.x", "value": 1}, "op", "missing op"),
        ({"field": "traits.x", "op": "eq", "value": 1, "valeu": 2}, "valeu", "unknown key"),
        ({"field": 'traits.a"b', "op": "exists"}, "field", "not a valid name"),
        ({"event": "X", "min": 3, "max": 1}, "min", "above max"),
        ({"event": "X", "min": -1}, "min", "whole number"),
        ({"event": "X", "within_days": 0}, "within_days", "above 0"),
        (
            {"event": "X", "where": {"plan": {"op": "gt", "value": "x"}}},
            "where.plan.value",
            "number or",
        ),
        ({"event": "", "min": 1}, "event", "event name"),
        ({"bought": {"sku": "X"}}, "bought", "product"),
        ({"consent": {"channel": "email", "status": "maybe"}}, "consent.status", "granted"),
        ({"consent": {"topic": "news"}}, "consent.channel", "channel"),
        ({"segment": 3}, "segment", "segment key"),
        ({"not": [{"segment": "a"}]}, "not", "expected a condition"),
        ({"all": {"segment": "a"}}, "all", "list of conditions"),
        ({"field": "band", "segment": "a"}, "", "exactly one of"),
        ([], "", "expected a condition"),
    ],
)
def test_errors_name_the_path_and_the_problem(raw: Any, path: str, fragment: str) -> None:
    found = errors(raw)
    assert path in found, found
    assert fragment in found[path]


def test_every_problem_is_reported_at_once() -> None:
    raw = {
        "any": [
            {"field": "nope", "op": "eq", "value": 1},
            {"field": "band", "op": "contains", "value": 1},
            {"event": "X", "min": "many"},
        ]
    }
    with pytest.raises(InvalidCondition) as raised:
        parse_condition(raw)
    assert [error.path for error in raised.value.errors] == [
        "any[0].field",
        "any[1].op",
        "any[2].min",
    ]
    assert "any[1].op: contains does not apply to band" in str(raised.value)


def test_values_are_data_never_code() -> None:
    node = parse_condition({"field": "traits.x", "op": "eq", "value": "__import__('os')"})
    assert isinstance(node, FieldCond) and node.operand == "__import__('os')"


def test_yaml_booleans_are_not_text() -> None:
    # YAML 1.1 reads NO (Norway) as false: a text field says so instead of never matching.
    assert "expected text" in errors({"field": "owner", "op": "eq", "value": False})["value"]


def resolver_for(known: dict[str, Any]) -> Any:
    parsed: dict[str, Condition] = {
        key: STATIC_SEGMENT if raw is None else parse_condition(raw) for key, raw in known.items()
    }
    return parsed.get


def test_unknown_segments_are_rejected_with_the_leaf_path() -> None:
    resolver = resolver_for({"known": None})
    raw = {"all": [{"segment": "known"}, {"not": {"segment": "ghost"}}]}
    assert errors(raw, resolver=resolver) == {"all[1].not.segment": "unknown segment 'ghost'"}


def test_segment_cycles_are_rejected() -> None:
    resolver = resolver_for({"b": {"segment": "c"}, "c": {"any": [{"segment": "a"}]}})
    found = errors({"segment": "b"}, resolver=resolver, segment_key="a")
    assert found == {"segment": "segment references form a cycle: a -> b -> c -> a"}
    itself = errors({"segment": "a"}, resolver=resolver, segment_key="a")
    assert "a -> a" in itself["segment"]


def test_acyclic_references_pass() -> None:
    resolver = resolver_for({"b": {"segment": "c"}, "c": None})
    assert (
        errors({"all": [{"segment": "b"}, {"segment": "c"}]}, resolver=resolver, segment_key="a")
        == {}
    )
