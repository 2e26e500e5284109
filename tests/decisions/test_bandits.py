"""Linear Thompson sampling and LinUCB: propensities, learning, state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.decisions.arms import LinearArms
from cadence.decisions.linear_ts import LinearThompson
from cadence.decisions.linucb import LinUCB
from cadence.decisions.policy import LinearPolicy, sample_index, stream
from cadence.decisions.state import load_policy

OPTIONS = ["guide", "webinar", "discount", "demo", "trial"]


def trained(policy: LinearPolicy, *, rewards: int = 60, seed: int = 0) -> LinearPolicy:
    """Feed ``policy`` random contexts and rewards (option k pays off with feature k)."""
    rng = np.random.default_rng(seed)
    for _ in range(rewards):
        x = rng.normal(size=policy.n_features)
        x[0] = 1.0
        k = int(rng.integers(len(OPTIONS)))
        reward = float(rng.random() < 0.2 + 0.5 * (x[k % policy.n_features] > 0))
        policy.learn(context=x, option=OPTIONS[k], reward=reward)
    return policy


def test_sherman_morrison_matches_the_direct_posterior() -> None:
    rng = np.random.default_rng(1)
    arms = LinearArms(n_features=4, prior_variance=0.5, noise_shape=2.0, noise_scale=0.3)
    xs, rs = rng.normal(size=(50, 4)), rng.normal(size=50)
    for x, r in zip(xs, rs, strict=True):
        arms.update(context=x, option="a", reward=float(r))
    precision = np.eye(4) / 0.5 + xs.T @ xs
    mean = np.linalg.solve(precision, xs.T @ rs)
    assert np.allclose(arms.cov[0], np.linalg.inv(precision))
    assert np.allclose(arms.weights(option="a"), mean)
    # The noise posterior: shape a0 + n/2, scale b0 + (Σ r² - μᵀ Λ μ) / 2.
    x = rng.normal(size=4)
    moments = arms.moments(context=x, options=["a", "new"])
    assert moments.shapes[0] == pytest.approx(2.0 + 25.0)
    assert moments.scales[0] == pytest.approx(0.3 + 0.5 * (rs @ rs - mean @ precision @ mean))
    assert moments.means[0] == pytest.approx(x @ mean)
    assert moments.leverages[0] == pytest.approx(x @ np.linalg.solve(precision, x))
    # An option never rewarded sits at the prior.
    assert (moments.means[1], moments.shapes[1], moments.scales[1]) == (0.0, 2.0, 0.3)
    assert moments.leverages[1] == pytest.approx(0.5 * x @ x)


def test_cold_start_is_close_to_uniform() -> None:
    policy = LinearThompson(n_features=3, seed=7, samples=4096)
    p = policy.distribution(context=np.array([1.0, 0.5, -2.0]), options=OPTIONS[:4])
    assert np.allclose(p, 0.25, atol=0.03)
    ucb = LinUCB(n_features=3, seed=7)
    assert ucb.distribution(context=np.ones(3), options=OPTIONS[:4]).tolist() == [0.25] * 4


def test_the_logged_propensity_is_the_probability_it_was_drawn_with() -> None:
    policy = trained(LinearThompson(n_features=5, seed=3))
    x = np.array([1.0, 0.3, -1.2, 0.8, 0.0])
    before = policy.decisions
    choice = policy.choose(context=x, options=OPTIONS)
    assert choice.draw == before and policy.decisions == before + 1
    again = policy.distribution(context=x, options=OPTIONS, draw=choice.draw)
    assert again.tolist() == list(choice.probabilities.values())
    assert choice.propensity == choice.probabilities[choice.option]


def test_a_decision_can_name_its_own_stream() -> None:
    policy = trained(LinearThompson(n_features=5, seed=3))
    x = np.array([1.0, 0.3, -1.2, 0.8, 0.0])
    state = policy.to_dict()
    choice = policy.choose(context=x, options=OPTIONS, draw=10**12)
    assert policy.to_dict() == state  # nothing to write back
    assert choice.draw == 10**12
    assert choice == policy.choose(context=x, options=OPTIONS, draw=10**12)
    assert (
        list(choice.probabilities.values())
        == policy.distribution(context=x, options=OPTIONS, draw=10**12).tolist()
    )
    with pytest.raises(ValueError, match="draw number"):
        policy.choose(context=x, options=OPTIONS, draw=-1)


def test_the_action_frequencies_match_the_propensities() -> None:
    # Repeating a decision on fresh streams: the options come up as often as the
    # probabilities say, averaged over streams (here LinUCB, whose probabilities are fixed).
    policy = trained(LinUCB(n_features=5, seed=4, epsilon=0.3))
    x = np.array([1.0, 1.0, -1.0, 0.5, 0.0])
    expected = policy.distribution(context=x, options=OPTIONS)
    picks = [policy.choose(context=x, options=OPTIONS).option for _ in range(4000)]
    observed = np.array([picks.count(o) for o in OPTIONS]) / len(picks)
    assert np.allclose(observed, expected, atol=0.03)


def test_thompson_actions_follow_the_exact_thompson_law_whatever_the_samples() -> None:
    # Eight Monte-Carlo draws make each decision's distribution coarse, yet over many
    # decisions the actions follow the Thompson-with-floor law, estimated here with
    # 2,048 draws on each of 1,500 other streams (each stream draws its own noise levels).
    coarse = trained(LinearThompson(n_features=5, seed=8, samples=8), rewards=100)
    state = coarse.to_dict()
    state["params"]["samples"] = 2048
    fine = LinearThompson.from_dict(data=state)
    x = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    law = np.mean(
        [fine.distribution(context=x, options=OPTIONS, draw=10**6 + n) for n in range(1500)],
        axis=0,
    )
    picks = [coarse.choose(context=x, options=OPTIONS).option for _ in range(6000)]
    observed = np.array([picks.count(o) for o in OPTIONS]) / len(picks)
    assert np.allclose(observed, law, atol=0.02)
    assert sorted(law)[-2] > 0.3  # two options really compete


def test_only_eligible_options_are_chosen() -> None:
    policy = trained(LinearThompson(n_features=5, seed=5, epsilon=0.5))
    x = np.ones(5)
    picks = {policy.choose(context=x, options=["demo", "trial"]).option for _ in range(200)}
    assert picks == {"demo", "trial"}
    assert set(policy.choose(context=x, options=["new-option"]).probabilities) == {"new-option"}


def test_bad_calls_are_refused() -> None:
    policy = LinearThompson(n_features=3, seed=0)
    with pytest.raises(ValueError, match="at least one"):
        policy.choose(context=np.ones(3), options=[])
    with pytest.raises(ValueError, match="distinct"):
        policy.choose(context=np.ones(3), options=["a", "a"])
    with pytest.raises(ValueError, match="shape"):
        policy.choose(context=np.ones(4), options=["a"])
    with pytest.raises(ValueError, match="finite"):
        policy.learn(context=np.ones(3), option="a", reward=float("nan"))
    with pytest.raises(ValueError, match="epsilon"):
        LinearThompson(n_features=3, epsilon=1.5)


@pytest.mark.parametrize("kind", [LinearThompson, LinUCB])
def test_learns_which_option_suits_which_context(kind: type[LinearPolicy]) -> None:
    # Feature 1 marks the "B" people: B pays off for them, A for everybody else.
    policy = kind(n_features=2, seed=11, epsilon=0.05)
    rng = np.random.default_rng(12)
    for _ in range(1500):
        x = np.array([1.0, float(rng.random() < 0.25)])
        choice = policy.choose(context=x, options=["A", "B"])
        rate = (
            {"A": 0.05, "B": 0.3}[choice.option] if x[1] else {"A": 0.3, "B": 0.05}[choice.option]
        )
        policy.learn(context=x, option=choice.option, reward=float(rng.random() < rate))
    assert policy.distribution(context=np.array([1.0, 0.0]), options=["A", "B"])[0] > 0.9
    assert policy.distribution(context=np.array([1.0, 1.0]), options=["A", "B"])[1] > 0.9


def test_unseeded_policies_record_their_seed() -> None:
    policy = LinearThompson(n_features=2)
    state = policy.to_dict()
    assert isinstance(state["seed"], int) and 0 <= state["seed"] < 2**63
    again = load_policy(state=state)
    x = np.array([1.0, 2.0])
    assert again.choose(context=x, options=OPTIONS) == policy.choose(context=x, options=OPTIONS)


def test_stored_state_is_checked() -> None:
    state = LinUCB(n_features=2, seed=1).to_dict()
    with pytest.raises(ValueError, match="not 'linear_thompson'"):
        LinearThompson.from_dict(data=state)
    with pytest.raises(ValueError, match="unknown policy kind"):
        load_policy(state={**state, "kind": "neural"})


def test_a_decision_stream_does_not_depend_on_how_it_is_reached() -> None:
    policy = LinearThompson(n_features=2, seed=99)
    direct = stream(seed=99, draw=12345).random(4)
    assert np.array_equal(policy._streams.at(draw=12345).random(4), direct)
    assert sample_index(probabilities=[0.2, 0.3, 0.5], u=0.0) == 0
    assert sample_index(probabilities=[0.2, 0.3, 0.5], u=0.49) == 1
    assert sample_index(probabilities=[0.2, 0.3, 0.5], u=0.999999) == 2


policies = st.sampled_from(["ts", "ucb"])
contexts = st.lists(st.floats(-3, 3), min_size=4, max_size=4).map(np.array)
eligible = st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=5, unique=True)


def build(kind: str, *, epsilon: float, seed: int, rewards: int) -> LinearPolicy:
    policy: LinearPolicy = (
        LinearThompson(n_features=4, epsilon=epsilon, seed=seed, samples=64)
        if kind == "ts"
        else LinUCB(n_features=4, epsilon=epsilon, seed=seed)
    )
    return trained(policy, rewards=rewards, seed=seed)


@settings(max_examples=60, deadline=None)
@given(
    kind=policies,
    epsilon=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
    rewards=st.integers(0, 30),
    context=contexts,
    options=eligible,
)
def test_propensities_sum_to_one_and_respect_the_floor(
    kind: str, epsilon: float, seed: int, rewards: int, context: np.ndarray, options: list[str]
) -> None:
    policy = build(kind, epsilon=epsilon, seed=seed, rewards=rewards)
    choice = policy.choose(context=context, options=options)
    p = np.array(list(choice.probabilities.values()))
    assert list(choice.probabilities) == options
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p >= epsilon / len(options) - 1e-15)
    assert choice.option in options
    assert choice.propensity == choice.probabilities[choice.option] > 0


@settings(max_examples=40, deadline=None)
@given(
    kind=policies,
    seed=st.integers(0, 2**32),
    rewards=st.integers(0, 30),
    steps=st.lists(st.tuples(contexts, eligible, st.floats(-1, 1)), min_size=1, max_size=6),
)
def test_a_restored_state_makes_the_same_choices(
    kind: str, seed: int, rewards: int, steps: list[tuple[np.ndarray, list[str], float]]
) -> None:
    policy = build(kind, epsilon=0.1, seed=seed, rewards=rewards)
    restored = load_policy(state=json.loads(json.dumps(policy.to_dict())))
    assert restored.to_dict() == policy.to_dict()
    for context, options, reward in steps:
        ours, theirs = (
            policy.choose(context=context, options=options),
            restored.choose(context=context, options=options),
        )
        assert ours == theirs
        policy.learn(context=context, option=ours.option, reward=reward)
        restored.learn(context=context, option=theirs.option, reward=reward)
