"""The compiled SQL gives the documented answers on hand-picked edge cases, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from cadence.conditions import EvalContext, compile_condition, parse_condition
from cadence.db.tables import contacts
from tests.conditions.storage import clear
from tests.conditions.test_semantics import TRAIT_CASES, TRAITS
from tests.conditions.worlds import NOW, NOW_MS


def test_trait_edge_cases_in_sql(engine: Engine) -> None:
    ctx = EvalContext(now=NOW)
    row = {
        "id": 1,
        "traits": TRAITS,
        "trait_times": {},
        "created_at": NOW_MS,
        "updated_at": NOW_MS,
        "score": 0.0,
        "band": 5,
        "fit": 0.0,
        "grade": "E",
        "lifecycle_stage": "lead",
        "order_count": 0,
        "revenue_total": 0.0,
        "has_preferences": False,
        "profile_level": 0,
    }
    with engine.begin() as conn:
        clear(conn)
        conn.execute(insert(contacts), [row])
        for leaf, expected in TRAIT_CASES:
            condition = compile_condition(
                parse_condition(leaf), dialect=engine.dialect.name, ctx=ctx
            )
            found = conn.scalar(select(contacts.c.id).where(condition)) == 1
            assert found is expected, leaf
