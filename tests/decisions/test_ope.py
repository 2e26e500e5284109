"""Off-policy estimators: hand-computed examples and known properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.decisions.linear_ts import LinearThompson
from cadence.decisions.ope import (
    Estimate,
    Interval,
    doubly_robust,
    evaluate,
    importance_weights,
    ips,
    snips,
)
from cadence.decisions.reward_model import (
    cross_fitted_rewards,
    fit_reward_model,
    predict_rewards,
)
from cadence.decisions.targets import fixed_target, policy_target, uniform_target

# Four logged decisions over two options, small enough to check by hand.
ACTIONS = np.array([0, 1, 0, 1])
REWARDS = np.array([1.0, 0.0, 1.0, 1.0])
PROPENSITIES = np.array([0.5, 0.25, 0.8, 0.5])
TARGET = np.array([[1.0, 0.0], [0.5, 0.5], [0.2, 0.8], [0.0, 1.0]])
MODEL = np.array([[0.5, 0.5], [0.2, 0.6], [0.9, 0.1], [0.3, 0.7]])
Z95 = 1.959963984540054


def test_ips_by_hand() -> None:
    # weights 2, 2, 0.25, 2; weighted rewards 2, 0, 0.25, 2
    estimate = ips(actions=ACTIONS, rewards=REWARDS, propensities=PROPENSITIES, target=TARGET)
    assert estimate.value == pytest.approx(4.25 / 4)
    spread = math.sqrt(0.9375**2 + 1.0625**2 + 0.8125**2 + 0.9375**2) / 4
    assert estimate.low == pytest.approx(1.0625 - Z95 * spread)
    assert estimate.high == pytest.approx(1.0625 + Z95 * spread)
    assert estimate.effective_sample_size == pytest.approx(6.25**2 / 12.0625)
    assert (estimate.n, estimate.interval, estimate.confidence) == (4, "normal", 0.95)


def test_snips_by_hand() -> None:
    estimate = snips(actions=ACTIONS, rewards=REWARDS, propensities=PROPENSITIES, target=TARGET)
    assert estimate.value == pytest.approx(4.25 / 6.25)
    value = 4.25 / 6.25
    residuals = np.array([2 * (1 - value), 2 * (0 - value), 0.25 * (1 - value), 2 * (1 - value)])
    spread = math.sqrt(float(np.sum(residuals**2))) / 6.25
    assert estimate.high - estimate.value == pytest.approx(Z95 * spread)


def test_doubly_robust_by_hand() -> None:
    # model's value per row: 0.5, 0.4, 0.26, 0.7; corrections: 1, -1.2, 0.025, 0.6
    estimate = doubly_robust(
        contexts=np.ones((4, 1)),
        actions=ACTIONS,
        rewards=REWARDS,
        propensities=PROPENSITIES,
        target=TARGET,
        reward_model=MODEL,
    )
    assert estimate.value == pytest.approx((1.5 - 0.8 + 0.285 + 1.3) / 4)


def test_bootstrap_intervals_are_seeded() -> None:
    log = simulated_log(3, 300)
    first = log_ips(log, interval="bootstrap", seed=1, resamples=500)
    again = log_ips(log, interval="bootstrap", seed=1, resamples=500)
    other = log_ips(log, interval="bootstrap", seed=2, resamples=500)
    normal = log_ips(log)
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.interval == "bootstrap"
    assert first.low < first.value < first.high
    # Both intervals describe the same sampling spread.
    assert first.high - first.low == pytest.approx(normal.high - normal.low, rel=0.2)


def test_bad_logs_are_refused() -> None:
    with pytest.raises(ValueError, match="propensities"):
        ips(actions=ACTIONS, rewards=REWARDS, propensities=np.array([0.5, 0, 1, 1]), target=TARGET)
    with pytest.raises(ValueError, match="index"):
        ips(
            actions=np.array([0, 1, 2, 0]),
            rewards=REWARDS,
            propensities=PROPENSITIES,
            target=TARGET,
        )
    with pytest.raises(ValueError, match="zero probability"):
        snips(
            actions=ACTIONS,
            rewards=REWARDS,
            propensities=PROPENSITIES,
            target=np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]),
        )
    with pytest.raises(ValueError, match="n > 0"):
        ips(
            actions=ACTIONS[:0],
            rewards=REWARDS[:0],
            propensities=PROPENSITIES[:0],
            target=TARGET[:0],
        )


# A small world: two kinds of people, three options, known reward rates.
RATES = np.array([[0.6, 0.2, 0.5], [0.1, 0.7, 0.4]])
KIND_SHARE = 0.25
LOGGING = np.array([[0.6, 0.2, 0.2], [0.5, 0.3, 0.2]])  # the policy that wrote the log
CANDIDATE = np.array([[0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])  # the policy to evaluate
TRUE_VALUE = float(
    (1 - KIND_SHARE) * CANDIDATE[0] @ RATES[0] + KIND_SHARE * CANDIDATE[1] @ RATES[1]
)


def simulated_log(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    kind = (rng.random(n) < KIND_SHARE).astype(int)
    cumulative = LOGGING[kind].cumsum(axis=1)
    actions = (rng.random((n, 1)) > cumulative).sum(axis=1)
    rewards = (rng.random(n) < RATES[kind, actions]).astype(float)
    return {
        "contexts": np.column_stack([np.ones(n), kind]),
        "actions": actions,
        "rewards": rewards,
        "propensities": LOGGING[kind, actions],
        "target": CANDIDATE[kind],
        "truth": RATES[kind],
    }


def log_ips(
    log: dict[str, np.ndarray],
    *,
    interval: Interval = "normal",
    seed: int = 0,
    resamples: int = 1000,
) -> Estimate:
    return ips(
        actions=log["actions"],
        rewards=log["rewards"],
        propensities=log["propensities"],
        target=log["target"],
        interval=interval,
        seed=seed,
        resamples=resamples,
    )


def test_ips_is_unbiased_on_simulated_logs() -> None:
    values = []
    for seed in range(400):
        log = simulated_log(seed, 200)
        values.append(
            ips(
                actions=log["actions"],
                rewards=log["rewards"],
                propensities=log["propensities"],
                target=log["target"],
            ).value
        )
    values_array = np.array(values)
    standard_error = values_array.std() / math.sqrt(len(values_array))
    assert abs(values_array.mean() - TRUE_VALUE) < 3 * standard_error


def test_normal_intervals_cover_the_truth_about_as_often_as_they_say() -> None:
    covered = 0
    for seed in range(1000):
        log = simulated_log(seed, 500)
        estimate = ips(
            actions=log["actions"],
            rewards=log["rewards"],
            propensities=log["propensities"],
            target=log["target"],
        )
        covered += estimate.low <= TRUE_VALUE <= estimate.high
    # Nominal 95%; weighted rewards are skewed, so a normal interval covers a little less.
    assert 0.9 <= covered / 1000 <= 0.98


def test_doubly_robust_with_a_perfect_model_has_lower_variance_than_ips() -> None:
    by_ips, by_dr = [], []
    for seed in range(300):
        log = simulated_log(seed, 200)
        by_ips.append(log_ips(log).value)
        by_dr.append(
            doubly_robust(
                contexts=log["contexts"],
                actions=log["actions"],
                rewards=log["rewards"],
                propensities=log["propensities"],
                target=log["target"],
                reward_model=log["truth"],
            ).value
        )
    assert np.var(by_dr) < 0.7 * np.var(by_ips)
    assert abs(np.mean(by_dr) - TRUE_VALUE) < 3 * np.std(by_dr) / math.sqrt(300)


def test_doubly_robust_fits_its_own_reward_model_when_none_is_given() -> None:
    log = simulated_log(0, 20_000)
    estimates = evaluate(
        contexts=log["contexts"],
        actions=log["actions"],
        rewards=log["rewards"],
        propensities=log["propensities"],
        target=log["target"],
    )
    assert set(estimates) == {"ips", "snips", "dr"}
    for estimate in estimates.values():
        assert estimate.low < TRUE_VALUE < estimate.high
    assert estimates["dr"].high - estimates["dr"].low < estimates["ips"].high - estimates["ips"].low


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 60), k=st.integers(1, 5))
def test_snips_is_the_on_policy_mean_when_the_policies_coincide(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    logging = rng.dirichlet(np.ones(k), size=n) * 0.9 + 0.1 / k  # every option possible
    actions = np.array([rng.choice(k, p=row / row.sum()) for row in logging])
    rewards = rng.normal(size=n)
    propensities = logging[np.arange(n), actions]
    estimate = snips(actions=actions, rewards=rewards, propensities=propensities, target=logging)
    assert estimate.value == pytest.approx(rewards.mean(), abs=1e-12)
    weights = importance_weights(actions=actions, propensities=propensities, target=logging)
    assert np.allclose(weights, 1.0)


def test_targets() -> None:
    eligible = np.array([[True, True, False], [False, True, True], [True, False, False]])
    assert uniform_target(eligible=eligible).tolist() == [
        [0.5, 0.5, 0.0],
        [0.0, 0.5, 0.5],
        [1.0, 0.0, 0.0],
    ]
    assert fixed_target(eligible=eligible, option=0).tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 0.5, 0.5],
        [1.0, 0.0, 0.0],
    ]
    with pytest.raises(ValueError, match="at least one"):
        uniform_target(eligible=np.array([[False, False]]))


def test_the_current_model_as_a_target() -> None:
    options = ["a", "b", "c"]
    policy = LinearThompson(n_features=2, seed=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = np.array([1.0, rng.normal()])
        policy.learn(context=x, option=options[int(rng.integers(3))], reward=float(x[1] > 0))
    contexts = np.array([[1.0, 0.5], [1.0, -0.5]])
    eligible = np.array([[True, True, True], [True, False, True]])
    target = policy_target(
        policy=policy, contexts=contexts, eligible=eligible, options=options, first_draw=100
    )
    assert np.allclose(target.sum(axis=1), 1.0)
    assert target[1, 1] == 0.0
    expected = policy.distribution(context=contexts[1], options=["a", "c"], draw=101)
    assert target[1, [0, 2]].tolist() == expected.tolist()


def test_reward_model_recovers_a_linear_truth() -> None:
    rng = np.random.default_rng(5)
    contexts = np.column_stack([np.ones(400), rng.normal(size=400)])
    actions = rng.integers(0, 2, size=400)
    truth = np.array([[0.2, 0.1], [0.5, -0.3]])
    rewards = np.einsum("nd,nd->n", contexts, truth[actions])
    coefficients = fit_reward_model(
        contexts=contexts, actions=actions, rewards=rewards, n_options=2, ridge=1e-9
    )
    assert np.allclose(coefficients, truth, atol=1e-6)
    single = cross_fitted_rewards(
        contexts=contexts, actions=actions, rewards=rewards, n_options=2, ridge=1e-9, folds=1
    )
    assert np.allclose(single, predict_rewards(coefficients=coefficients, contexts=contexts))
    crossed = cross_fitted_rewards(
        contexts=contexts, actions=actions, rewards=rewards, n_options=2, ridge=1e-9, folds=3
    )
    assert np.allclose(crossed, contexts @ truth.T, atol=1e-6)
