"""The decision service as journeys use it: register, choose, reward, several processes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from cadence.db.engine import make_engine, unit_of_work
from cadence.db.tables import decision_log
from cadence.decisions import service, store
from cadence.decisions.arms import LinearArms
from cadence.decisions.config import RewardSpec
from cadence.decisions.rewards import Happened, outcome
from cadence.errors import InputError

POINT = "journey:welcome:pick"
NOW = 1_790_000_000_000


def _register(engine: Engine, **changes: object) -> None:
    with unit_of_work(engine) as uow:
        service.ensure_point(
            uow,
            key=POINT,
            options=changes.get("options", ["email-a", "email-b", "sms"]),  # type: ignore[arg-type]
            features=["grade", "traits.industry", "segments", "day_of_year"],
            reward=RewardSpec(event="Demo Requested", within_days=7),
            managed_by="journey:welcome",
            now=NOW,
        )


def _choose(engine: Engine, cache: service.ModelCache, **kw: object) -> service.Chosen:
    with unit_of_work(engine) as uow:
        return service.choose(
            uow,
            point=POINT,
            contact_id=None,
            eligible=kw.get("eligible"),  # type: ignore[arg-type]
            context={"grade": "A", "traits": {"industry": "retail"}},
            at=NOW,
            source="journey:welcome",
            cache=cache,
        )


def test_a_process_rereads_the_model_when_another_learnt(database_url: str) -> None:
    first, second = make_engine(database_url), make_engine(database_url)  # two "processes"
    try:
        _register(first)
        cache_a, cache_b = service.ModelCache(), service.ModelCache()
        chosen = _choose(first, cache_a)
        assert chosen.option in ("email-a", "email-b", "sms")
        assert sum(chosen.probabilities.values()) == pytest.approx(1.0)
        with unit_of_work(second) as uow:
            service.reward(uow, decision_id=chosen.decision_id, value=1.0, at=NOW + 1)
        _choose(first, cache_a)
        with unit_of_work(first) as uow:
            entry = cache_a.get(uow, point=POINT, version=1, updates=1)
        assert entry.model.updates == 1
        assert entry.model.policy.arms.counts.sum() == 1.0
        _choose(second, cache_b)
    finally:
        first.dispose()
        second.dispose()


def test_a_logged_propensity_can_be_recomputed_from_its_draw(engine: Engine) -> None:
    _register(engine)
    cache = service.ModelCache()
    chosen = [_choose(engine, cache, eligible=["email-a", "sms"]) for _ in range(5)]
    with unit_of_work(engine) as uow:
        model = store.load_model(uow, POINT, 1)
        rows = uow.conn.execute(select(decision_log).order_by(decision_log.c.id)).all()
    for row, choice in zip(rows, chosen, strict=True):
        x = model.spec.encode(context=row.context)
        replay = model.policy.distribution(context=x, options=row.eligible, draw=row.draw)
        assert replay[row.eligible.index(row.chosen)] == row.propensity == choice.propensity
        assert row.closes_at is not None


def test_journey_points_version_and_refuse_another_owner(engine: Engine) -> None:
    _register(engine)
    _register(engine)  # the same definition again: nothing changes
    _register(engine, options=["email-a", "sms"])
    with unit_of_work(engine) as uow:
        point = store.load_point(uow, POINT)
        assert point is not None and point.version == 2
        with pytest.raises(InputError) as refused:
            service.ensure_point(
                uow,
                key=POINT,
                options=["x"],
                features=["grade"],
                reward=None,
                managed_by="workspace",
                now=NOW,
            )
    assert refused.value.errors[0].field == "key"


WINDOW = RewardSpec(event="Demo Requested", within_days=7, negative=("Unsubscribed",))
events = st.lists(
    st.builds(
        Happened,
        name=st.sampled_from(["Demo Requested", "Unsubscribed", "Page Viewed"]),
        at=st.integers(0, 20),
        properties=st.just({}),
    ),
    max_size=6,
)


@given(happened=events)
def test_attribution_rule(happened: list[Happened]) -> None:
    value = outcome(spec=WINDOW, start=5, end=12, happened=happened)
    inside = {h.name for h in happened if 5 <= h.at <= 12}
    expected = -1.0 if "Unsubscribed" in inside else float("Demo Requested" in inside)
    assert value == expected


@settings(max_examples=50)
@given(
    rows=st.lists(
        st.tuples(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.floats(-2, 2)),
        min_size=1,
        max_size=8,
    ),
    extra=st.tuples(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.floats(-2, 2)),
)
def test_removing_a_reward_undoes_it(
    rows: list[tuple[list[float], float]], extra: tuple[list[float], float]
) -> None:
    arms = LinearArms(n_features=3)
    for x, r in rows:
        arms.update(context=np.array(x), option="a", reward=r)
    before = (arms.cov.copy(), arms.b.copy(), arms.squares.copy(), arms.counts.copy())
    arms.update(context=np.array(extra[0]), option="a", reward=extra[1])
    arms.remove(context=np.array(extra[0]), option="a", reward=extra[1])
    for now, then in zip((arms.cov, arms.b, arms.squares, arms.counts), before, strict=True):
        np.testing.assert_allclose(now, then, rtol=1e-6, atol=1e-9)
    restored = LinearArms.restore(header=arms.header(), packed=arms.packed())
    np.testing.assert_array_equal(restored.cov, arms.cov)
    np.testing.assert_array_equal(restored.residuals, arms.residuals)
