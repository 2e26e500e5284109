"""requirements(): a contact without what a condition needs is never matched, at any moment;
next_change_at over the clocked leaves alone is the same as over the whole tree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.conditions import (
    ContactState,
    EvalContext,
    EventRecord,
    evaluate,
    next_change_at,
    parse_condition,
)
from cadence.conditions.references import walk_leaves
from cadence.conditions.requirements import requirements
from cadence.conditions.timing import clocked_leaves
from tests.conditions.random_conditions import conditions
from tests.conditions.storage import world_states
from tests.conditions.worlds import DAY, NOW, NOW_MS, World, worlds


def at(millis: int) -> EvalContext:
    return EvalContext(now=NOW + timedelta(milliseconds=millis - NOW_MS))


MOMENTS = (NOW_MS - 40 * DAY, NOW_MS, NOW_MS + 1, NOW_MS + 3 * DAY, NOW_MS + 200 * DAY)


@settings(max_examples=150, deadline=None)
@given(world=worlds(), raw=conditions(), half_life=st.sampled_from([None, 7.0]))
def test_a_contact_missing_a_requirement_never_matches(
    world: World, raw: dict[str, Any], half_life: float | None
) -> None:
    node = parse_condition(raw)
    needs = requirements(node)
    for contact in world_states(world).values():
        if needs.met_by(contact):
            continue
        for moment in MOMENTS:
            ctx = EvalContext(now=at(moment).now, half_life_days=half_life)
            assert not evaluate(node, state=contact, ctx=ctx), moment - NOW_MS


@settings(max_examples=100, deadline=None)
@given(world=worlds(), raw=conditions(), half_life=st.sampled_from([None, 7.0]))
def test_next_change_over_the_clocked_leaves_is_next_change_over_all(
    world: World, raw: dict[str, Any], half_life: float | None
) -> None:
    node = parse_condition(raw)
    clocked = clocked_leaves(node)
    ctx = EvalContext(now=NOW, half_life_days=half_life)
    assert set(clocked) <= {leaf for _, leaf in walk_leaves(node)}
    for contact in world_states(world).values():
        whole = next_change_at(node, state=contact, ctx=ctx)
        assert next_change_at(node, state=contact, ctx=ctx, clocked=clocked) == whole


def test_what_each_shape_requires() -> None:
    node = parse_condition(
        {
            "all": [
                {"field": "traits.region", "op": "eq", "value": "EMEA"},
                {"field": "traits.plan", "op": "ne", "value": "free"},
                {"field": "account.employees", "op": "gte", "value": 1000},
                {"any": [{"event": "Demo Requested"}, {"event": "Demo Requested", "min": 2}]},
                {"any": [{"event": "Trial Started"}, {"event": "Page Viewed"}]},
                {"not": {"event": "Unsubscribed"}},
                {"event": "Order Completed", "max": 0, "within_days": 30},
                {"bought": {"category": "Analytics"}},
            ]
        }
    )
    needs = requirements(node)
    assert needs.events == {"Demo Requested", "Order Completed"}
    assert needs.traits == {"region"}
    assert needs.account_traits == {"employees"}
    demo = EventRecord("Demo Requested", NOW_MS, {})
    order = EventRecord("Order Completed", NOW_MS, {})
    full = ContactState(
        contact_id=1,
        traits={"region": "EMEA"},
        account_traits={"employees": 5},
        events=(demo, order),
    )
    assert needs.met_by(full)
    assert not needs.met_by(ContactState(contact_id=1, traits={"region": "EMEA"}, events=(demo,)))
    assert not needs.met_by(
        ContactState(contact_id=1, traits={"region": None}, events=(demo, order))
    )
