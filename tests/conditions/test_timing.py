"""next_change_at: never late, and exact for the usual time-dependent leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.conditions import (
    ConsentRecord,
    ContactState,
    EvalContext,
    EventRecord,
    evaluate,
    next_change_at,
    parse_condition,
)
from cadence.db.types import to_millis
from tests.conditions.random_conditions import conditions
from tests.conditions.storage import world_states
from tests.conditions.worlds import DAY, NOW, NOW_MS, World, worlds


def at(millis: int) -> EvalContext:
    return EvalContext(now=NOW + timedelta(milliseconds=millis - NOW_MS))


def state(**columns: Any) -> ContactState:
    return ContactState(contact_id=1, columns=columns)


def test_an_event_window_closes_when_the_last_event_leaves_it() -> None:
    node = parse_condition({"event": "Demo Requested", "within_days": 30})
    events = (
        EventRecord("Demo Requested", NOW_MS - 10 * DAY, {}),
        EventRecord("Demo Requested", NOW_MS - 20 * DAY, {}),
    )
    contact = ContactState(contact_id=1, events=events)
    change = next_change_at(node, state=contact, ctx=at(NOW_MS))
    assert change is not None
    assert to_millis(change) == NOW_MS + 10 * DAY  # the older click leaves first: re-check then
    final = NOW_MS + 20 * DAY
    assert evaluate(node, state=contact, ctx=at(final - 1))
    assert not evaluate(node, state=contact, ctx=at(final))


def test_a_future_event_enters_its_window_at_its_timestamp() -> None:
    node = parse_condition({"event": "Demo Requested", "within_days": 1})
    contact = ContactState(contact_id=1, events=(EventRecord("Demo Requested", NOW_MS + 5, {}),))
    change = next_change_at(node, state=contact, ctx=at(NOW_MS))
    assert change is not None and to_millis(change) == NOW_MS + 5


def test_tenure_days_steps_over_a_threshold_at_the_day_boundary() -> None:
    node = parse_condition({"field": "tenure_days", "op": "gte", "value": 30})
    contact = state(first_seen_at=NOW_MS - 29 * DAY - 5)
    change = next_change_at(node, state=contact, ctx=at(NOW_MS))
    assert change is not None and to_millis(change) == NOW_MS + DAY - 5
    assert not evaluate(node, state=contact, ctx=at(NOW_MS + DAY - 6))
    assert evaluate(node, state=contact, ctx=at(NOW_MS + DAY - 5))


def test_a_relative_date_passes_a_stored_date() -> None:
    node = parse_condition({"field": "first_seen_at", "op": "gte", "value": "-30d"})
    contact = state(first_seen_at=NOW_MS - 10 * DAY)
    change = next_change_at(node, state=contact, ctx=at(NOW_MS))
    assert change is not None
    moment = to_millis(change)
    assert evaluate(node, state=contact, ctx=at(moment - 1))
    assert moment <= NOW_MS + 20 * DAY + 1


def test_a_decaying_score_crosses_its_threshold_at_the_computed_millisecond() -> None:
    node = parse_condition({"field": "score", "op": "gte", "value": 50})
    contact = state(score=100.0, score_as_of=NOW_MS)
    ctx = EvalContext(now=NOW, half_life_days=10)
    change = next_change_at(node, state=contact, ctx=ctx)
    assert change is not None
    moment = to_millis(change)
    assert abs(moment - (NOW_MS + 10 * DAY)) <= 2
    before = EvalContext(now=change - timedelta(milliseconds=1), half_life_days=10)
    after = EvalContext(now=change + timedelta(milliseconds=1), half_life_days=10)
    assert evaluate(node, state=contact, ctx=before)  # at `change` it is exactly 50
    assert not evaluate(node, state=contact, ctx=after)


def test_timeless_conditions_never_change() -> None:
    node = parse_condition({"all": [{"field": "band", "op": "lte", "value": 2}, {"segment": "a"}]})
    assert next_change_at(node, state=state(band=1), ctx=at(NOW_MS)) is None


def test_consent_expiry_is_a_change() -> None:
    node = parse_condition({"consent": {"channel": "email"}})
    record = ConsentRecord("email", "*", "granted", expires_at=NOW_MS + 7)
    contact = ContactState(contact_id=1, consents=(record,))
    change = next_change_at(node, state=contact, ctx=at(NOW_MS))
    assert change is not None and to_millis(change) == NOW_MS + 7


@settings(max_examples=100, deadline=None)
@given(
    world=worlds(),
    raw=conditions(),
    half_life=st.sampled_from([None, 7.0, 0.5]),
    fraction=st.floats(0, 1),
)
def test_nothing_changes_before_next_change_at(
    world: World, raw: dict[str, Any], half_life: float | None, fraction: float
) -> None:
    node = parse_condition(raw)
    ctx = EvalContext(now=NOW, half_life_days=half_life)
    for contact in world_states(world).values():
        before = evaluate(node, state=contact, ctx=ctx)
        change = next_change_at(node, state=contact, ctx=ctx)
        last = NOW_MS + 400 * DAY if change is None else to_millis(change) - 1
        assert last >= NOW_MS
        for moment in {last, NOW_MS + round((last - NOW_MS) * fraction), NOW_MS + 1}:
            if moment <= last:
                probe = EvalContext(now=at(moment).now, half_life_days=half_life)
                assert evaluate(node, state=contact, ctx=probe) == before, moment - NOW_MS
