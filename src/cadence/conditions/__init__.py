"""The one condition language: parse, evaluate in Python, compile to SQL.

    node = parse_condition({"all": [{"field": "band", "op": "lte", "value": 2}]})
    evaluate(node, state=state, ctx=EvalContext(now=now, half_life_days=30))
    select(contacts.c.id).where(compile_condition(node, dialect="sqlite", ctx=ctx))

Type semantics shared by both evaluators are described in values.py.
"""

from cadence.conditions.compile import compile_condition
from cadence.conditions.dependencies import Dependencies, dependencies
from cadence.conditions.errors import ConditionError, InvalidCondition, join_path
from cadence.conditions.evaluate import evaluate
from cadence.conditions.explain import LeafExplanation, describe, explain
from cadence.conditions.fields import FIELDS, FieldSpec, Kind
from cadence.conditions.models import (
    STATIC_SEGMENT,
    Condition,
    ConsentRecord,
    ContactState,
    EvalContext,
    EventRecord,
)
from cadence.conditions.parse import parse_condition, validate_condition
from cadence.conditions.references import Resolver, check_references
from cadence.conditions.state import load_states
from cadence.conditions.timing import next_change_at

__all__ = [
    "FIELDS",
    "STATIC_SEGMENT",
    "Condition",
    "ConditionError",
    "ConsentRecord",
    "ContactState",
    "Dependencies",
    "EvalContext",
    "EventRecord",
    "FieldSpec",
    "InvalidCondition",
    "Kind",
    "LeafExplanation",
    "Resolver",
    "check_references",
    "compile_condition",
    "dependencies",
    "describe",
    "evaluate",
    "explain",
    "join_path",
    "load_states",
    "next_change_at",
    "parse_condition",
    "validate_condition",
]
