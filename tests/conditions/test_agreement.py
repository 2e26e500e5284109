"""The SQL compiler and the Python evaluators (the reference one and the compiled closures)
select the same contacts, on both databases."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from cadence.conditions import (
    EvalContext,
    compile_condition,
    dependencies,
    evaluate,
    load_states,
    parse_condition,
)
from cadence.conditions.compiled import compile_python
from cadence.conditions.view import View
from cadence.db.tables import contacts
from tests.conditions.random_conditions import conditions
from tests.conditions.storage import world_states, write_world
from tests.conditions.worlds import NOW, World, worlds


def _event_key(event: Any) -> tuple[str, int, str]:
    """A sort key that does not depend on dict key order (PostgreSQL's JSONB reorders keys)."""
    return (event.name, event.ts, json.dumps(event.properties, sort_keys=True, default=repr))


half_lives = st.sampled_from([None, 7.0, 30.0, 0.5])


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), raw=conditions(), half_life=half_lives)
def test_sql_and_python_select_the_same_contacts(
    engine: Engine, world: World, raw: dict[str, Any], half_life: float | None
) -> None:
    node = parse_condition(raw)
    ctx = EvalContext(now=NOW, half_life_days=half_life)
    expression = compile_condition(node, dialect=engine.dialect.name, ctx=ctx)
    with engine.begin() as conn:
        ids = write_world(conn, world)
        in_sql = set(conn.scalars(select(contacts.c.id).where(expression)))
        loaded = load_states(conn=conn, contact_ids=ids, now=NOW, needs=dependencies(node))
        narrow = load_states(
            conn=conn, contact_ids=ids, now=NOW, needs=dependencies(node), narrow=True
        )
    in_python = {cid for cid, state in loaded.items() if evaluate(node, state=state, ctx=ctx)}
    built = world_states(world)
    from_world = {cid for cid, state in built.items() if evaluate(node, state=state, ctx=ctx)}
    compiled = compile_python(node)  # what incremental membership runs, on what it loads
    in_closures = {
        cid
        for cid, state in narrow.items()
        if compiled.holds(View(state, now_ms=ctx.now_ms, half_life_ms=ctx.half_life_ms))
    }
    assert in_sql == in_python == from_world == in_closures


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_loader_reads_back_what_was_written(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        ids = write_world(conn, world)
        loaded = load_states(conn=conn, contact_ids=[*ids, 999], now=NOW)
    expected = world_states(world)
    assert set(loaded) == set(expected)
    for cid, state in expected.items():
        got = loaded[cid]
        assert got.traits == state.traits
        assert got.account_traits == state.account_traits
        assert {k: got.columns[k] for k in state.columns} == state.columns
        assert sorted(got.events, key=_event_key) == sorted(state.events, key=_event_key)
        assert sorted(got.consents, key=repr) == sorted(state.consents, key=repr)
        assert got.segment_keys == state.segment_keys
