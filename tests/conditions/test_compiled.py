"""compile_python(): the same answers, explanations, next changes and requirements as the
reference evaluator (evaluate, explain, next_change_at, requirements), for random conditions
and histories, at moments around now."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.conditions import (
    ContactState,
    EvalContext,
    EventRecord,
    evaluate,
    explain,
    next_change_at,
    parse_condition,
)
from cadence.conditions.compiled import compile_python
from cadence.conditions.view import View
from cadence.db.types import to_millis
from tests.conditions.random_conditions import conditions
from tests.conditions.storage import world_states
from tests.conditions.worlds import DAY, NOW, NOW_MS, SEGMENT_KEYS, World, worlds


@settings(max_examples=300, deadline=None)
@given(
    world=worlds(),
    raw=conditions(),
    half_life=st.sampled_from([None, 7.0, 0.5]),
    shift=st.sampled_from([0, 1, -1, DAY, -30 * DAY, 45 * DAY]),
    keys=st.sets(st.sampled_from(SEGMENT_KEYS)),
)
def test_compiled_agrees_with_the_reference_evaluator(
    world: World,
    raw: dict[str, Any],
    half_life: float | None,
    shift: int,
    keys: set[str],
) -> None:
    node = parse_condition(raw)
    compiled = compile_python(node)
    ctx = EvalContext(now=NOW + timedelta(milliseconds=shift), half_life_days=half_life)
    for state in world_states(world).values():
        view = View(state, now_ms=ctx.now_ms, half_life_ms=ctx.half_life_ms)
        assert compiled.holds(view) == evaluate(node, state=state, ctx=ctx)
        expected = [
            {"path": e.path, "text": e.description, "observed": e.observed, "value": e.value}
            for e in explain(node, state=state, ctx=ctx)
        ]
        assert compiled.explain(view) == expected
        change = next_change_at(node, state=state, ctx=ctx)
        assert compiled.next_change(view) == (None if change is None else to_millis(change))
        possible = compiled.possible is None or compiled.possible(view)
        assert possible == compiled.needs.met_by(state)
        # the membership loop moves a contact's segment keys between conditions
        view.segment_keys = set(keys)
        moved = replace(state, segment_keys=frozenset(keys))
        assert compiled.holds(view) == evaluate(node, state=moved, ctx=ctx)


def test_a_view_indexes_events_by_name_in_their_order() -> None:
    events = (
        EventRecord("Email Clicked", NOW_MS - 2 * DAY, {"campaign": "spring"}),
        EventRecord("Demo Requested", NOW_MS - DAY, {}),
        EventRecord("Email Clicked", NOW_MS - DAY, {"campaign": "autumn"}),
    )
    view = View(ContactState(contact_id=1, events=events), now_ms=NOW_MS, half_life_ms=None)
    assert list(view.named("Email Clicked")) == [events[0], events[2]]
    assert list(view.named("Unsubscribed")) == []
    node = parse_condition(
        {"event": "Email Clicked", "where": {"campaign": "spring"}, "within_days": 7}
    )
    compiled = compile_python(node)
    assert compiled.holds(view)
    assert compiled.next_change(view) == NOW_MS + 5 * DAY
    assert compiled.explain(view)[0]["observed"] == "1 matching event"
