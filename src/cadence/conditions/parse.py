"""From plain data (as loaded from YAML or JSON) to a validated condition tree.

Nothing here evaluates user text: values become typed operands, patterns
are checked against the portable regex subset, and every problem is
reported with the path of the part that caused it (`all[0].op`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from cadence.conditions.errors import ConditionError, InvalidCondition, join_path
from cadence.conditions.fields import FIELDS, Kind
from cadence.conditions.leaves import parse_bought, parse_consent, parse_event, parse_segment
from cadence.conditions.models import AllOf, AnyOf, Condition, FieldCond, FieldRef, Not, Op
from cadence.conditions.operands import (
    OPS_BY_KIND,
    Problems,
    check_key_path,
    describe_kind,
    parse_operand,
    reject_extra_keys,
)
from cadence.conditions.references import Resolver, check_references

MAX_DEPTH = 32
MAX_ITEMS = 500
KINDS = ("all", "any", "not", "field", "event", "bought", "consent", "segment")
_PREFIXES = ("traits.", "account.")


def parse_condition(
    raw: Any, *, resolver: Resolver | None = None, segment_key: str | None = None
) -> Condition:
    """Parse and validate; raises InvalidCondition listing every problem.

    With a resolver (segment key -> its condition, or None when unknown),
    segment references are checked too: unknown keys and cycles, including
    a reference back to `segment_key`, the segment being saved.
    """
    node, errors = _parse(raw, resolver=resolver, segment_key=segment_key)
    if errors or node is None:
        raise InvalidCondition(errors)
    return node


def validate_condition(
    raw: Any, *, resolver: Resolver | None = None, segment_key: str | None = None
) -> list[ConditionError]:
    """Every problem in a condition (empty when it is valid)."""
    return _parse(raw, resolver=resolver, segment_key=segment_key)[1]


def _parse(
    raw: Any, *, resolver: Resolver | None, segment_key: str | None
) -> tuple[Condition | None, list[ConditionError]]:
    problems = Problems()
    node = parse_node(raw, "", problems, depth=0)
    if node is not None and not problems.errors and resolver is not None:
        problems.errors.extend(check_references(node, resolver=resolver, segment_key=segment_key))
    return node, problems.errors


def parse_node(raw: Any, path: str, problems: Problems, *, depth: int) -> Condition | None:
    if depth > MAX_DEPTH:
        problems.add(path, f"conditions nest at most {MAX_DEPTH} levels deep")
        return None
    if not isinstance(raw, Mapping):
        problems.add(path, f"expected a condition (a mapping), got {describe_kind(raw)}")
        return None
    kinds = [key for key in raw if key in KINDS]
    if len(kinds) != 1:
        found = f"found {', '.join(kinds)}" if kinds else "found none"
        problems.add(path, f"a condition needs exactly one of {', '.join(KINDS)}; {found}")
        return None
    kind = kinds[0]
    if kind in ("all", "any", "not"):
        reject_extra_keys(raw, (kind,), path, problems)
        return _parse_connective(kind, raw[kind], join_path(path, kind), problems, depth)
    return _LEAF_PARSERS[kind](raw, path, problems)


def _parse_connective(
    kind: str, raw: Any, path: str, problems: Problems, depth: int
) -> Condition | None:
    if kind == "not":
        item = parse_node(raw, path, problems, depth=depth + 1)
        return None if item is None else Not(item)
    if not isinstance(raw, list):
        problems.add(path, f"expected a list of conditions, got {describe_kind(raw)}")
        return None
    if len(raw) > MAX_ITEMS:
        problems.add(path, f"at most {MAX_ITEMS} conditions in one list")
        return None
    items = [
        parse_node(item, join_path(path, i), problems, depth=depth + 1)
        for i, item in enumerate(raw)
    ]
    parsed = tuple(item for item in items if item is not None)
    if len(parsed) != len(items):
        return None
    return AllOf(parsed) if kind == "all" else AnyOf(parsed)


def _field_ref(name: Any, path: str, problems: Problems) -> tuple[FieldRef, Kind | None] | None:
    if not isinstance(name, str):
        problems.add(path, f"expected a field name, got {describe_kind(name)}")
        return None
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            keys = check_key_path(name[len(prefix) :], path, problems)
            if keys is None:
                return None
            return FieldRef("traits" if prefix == "traits." else "account", keys), None
    spec = FIELDS.get(name)
    if spec is not None:
        return FieldRef("field", (name,)), spec.kind
    close = difflib.get_close_matches(name, [*FIELDS, f"traits.{name}"], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    problems.add(
        path,
        f"unknown field {name!r}{hint} Profile traits are traits.<name>, "
        f"account traits account.<name>, or one of: {', '.join(FIELDS)}",
    )
    return None


def _parse_op(
    raw: Any, kind: Kind | None, field_name: str, path: str, problems: Problems
) -> Op | None:
    try:
        op = Op(raw)
    except ValueError:
        problems.add(path, f"unknown operator {raw!r}; expected one of {', '.join(Op)}")
        return None
    allowed = OPS_BY_KIND[kind]
    if op not in allowed:
        problems.add(
            path,
            f"{op.value} does not apply to {field_name} ({kind} field); "
            f"use one of {', '.join(allowed)}",
        )
        return None
    return op


def parse_field(raw: Mapping[str, Any], path: str, problems: Problems) -> FieldCond | None:
    """{field: NAME, op: OP, value: V}"""
    reject_extra_keys(raw, ("field", "op", "value"), path, problems)
    resolved = _field_ref(raw["field"], join_path(path, "field"), problems)
    if "op" not in raw:
        problems.add(join_path(path, "op"), "missing op")
        return None
    if resolved is None:
        return None
    ref, kind = resolved
    op = _parse_op(raw["op"], kind, ref.name, join_path(path, "op"), problems)
    if op is None:
        return None
    value_path = join_path(path, "value")
    if op in (Op.EXISTS, Op.NOT_EXISTS):
        if "value" in raw:
            problems.add(value_path, f"{op.value} takes no value")
            return None
        return FieldCond(ref, op)
    if "value" not in raw:
        problems.add(value_path, f"{op.value} needs a value")
        return None
    before = len(problems.errors)
    operand = parse_operand(op, raw["value"], kind, value_path, problems)
    return None if len(problems.errors) > before else FieldCond(ref, op, operand)


_LEAF_PARSERS: dict[str, Callable[[Mapping[str, Any], str, Problems], Condition | None]] = {
    "field": parse_field,
    "event": parse_event,
    "bought": parse_bought,
    "consent": parse_consent,
    "segment": parse_segment,
}
