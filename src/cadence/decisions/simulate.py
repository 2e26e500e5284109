"""What adaptivity buys: policies compared on a synthetic population, in simulated time.

People arrive over ``horizon_days`` (each decides once, in time order). Whether a person
converts under an option is drawn once from its hidden rate, shared by every policy
(common random numbers), so the policies differ only by what they choose. The adaptive
policy learns with delayed rewards: a decision's reward (1 if the person converted
within ``window_days``) reaches the model when its window closes, before any later
decision is made. Compared:

- ``adaptive``: ``LinearThompson`` over the ``population.feature_spec`` features;
- ``fixed_best``: the single message that converts best over the population, chosen
  with hindsight of the hidden rates (a perfectly run A/B test), with the first
  eligible option when the gate blocks it;
- ``random``: uniform among the eligible options;
- ``oracle``: the highest hidden rate among the eligible options, person by person;
- ``linucb`` (optional): ``LinUCB`` over the same features.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from cadence.decisions.features import FeatureSpec
from cadence.decisions.linear_ts import LinearThompson
from cadence.decisions.linucb import LinUCB
from cadence.decisions.policy import LinearPolicy
from cadence.decisions.population import Population, Scenario, feature_spec, make_population


@dataclass(frozen=True, kw_only=True)
class PolicyOutcome:
    """How one policy did."""

    policy: str
    decisions: int
    conversions: int
    expected_conversions: float  # the sum of the chosen options' hidden rates (less noisy)
    majority_rate: float
    minority_rate: float
    final_quarter_rate: float  # over the last quarter of decisions: where learning has got to
    chosen: Mapping[str, int]

    @property
    def rate(self) -> float:
        return self.conversions / self.decisions if self.decisions else 0.0


@dataclass(frozen=True, kw_only=True)
class SimulationResult:
    """Conversions per policy for one seeded run."""

    seed: int
    decisions: int
    horizon_days: float
    window_days: float
    options: tuple[str, ...]
    best_fixed_option: str
    outcomes: Mapping[str, PolicyOutcome]

    def share_of_oracle_gain(self, *, policy: str = "adaptive") -> float:
        """How much of the oracle's lift over the best fixed message ``policy`` captures."""
        fixed = self.outcomes["fixed_best"].conversions
        gap = self.outcomes["oracle"].conversions - fixed
        return (self.outcomes[policy].conversions - fixed) / gap if gap else 0.0


def _outcome(
    *,
    name: str,
    chosen: np.ndarray,
    population: Population,
    converted: np.ndarray,
    options: tuple[str, ...],
) -> PolicyOutcome:
    rows = np.arange(len(chosen))
    hits = converted[rows, chosen]
    minority = population.minority
    last = hits[len(hits) - len(hits) // 4 :]
    return PolicyOutcome(
        policy=name,
        decisions=len(chosen),
        conversions=int(hits.sum()),
        expected_conversions=float(population.rates[rows, chosen].sum()),
        majority_rate=float(hits[~minority].mean()) if (~minority).any() else 0.0,
        minority_rate=float(hits[minority].mean()) if minority.any() else 0.0,
        final_quarter_rate=float(last.mean()) if len(last) else 0.0,
        chosen={o: int(np.sum(chosen == k)) for k, o in enumerate(options)},
    )


def run_policy(
    *,
    policy: LinearPolicy,
    population: Population,
    converted: np.ndarray,
    spec: FeatureSpec,
    options: tuple[str, ...],
    window_days: float,
) -> np.ndarray:
    """Let ``policy`` decide for everyone in arrival order, learning as windows close."""
    index = {o: k for k, o in enumerate(options)}
    contexts = spec.encode_many(contexts=population.contexts)  # they do not depend on choices
    eligible = [
        [o for o, ok in zip(options, row, strict=True) if ok] for row in population.eligible
    ]
    chosen = np.zeros(len(population.days), dtype=np.int64)
    pending: deque[tuple[float, int]] = deque()
    for i, day in enumerate(population.days.tolist()):
        while pending and pending[0][0] <= day:
            _, j = pending.popleft()
            option = int(chosen[j])
            policy.learn(
                context=contexts[j], option=options[option], reward=float(converted[j, option])
            )
        chosen[i] = index[policy.choose(context=contexts[i], options=eligible[i]).option]
        pending.append((day + window_days, i))
    return chosen


def _best_fixed(*, population: Population) -> tuple[int, np.ndarray]:
    """The single option with the most expected conversions, and its choices per person."""
    fallback = np.argmax(population.eligible, axis=1)
    rows = np.arange(len(fallback))
    best, best_total, best_chosen = 0, -1.0, fallback
    for k in range(population.rates.shape[1]):
        chosen = np.where(population.eligible[:, k], k, fallback)
        total = float(population.rates[rows, chosen].sum())
        if total > best_total:
            best, best_total, best_chosen = k, total, chosen
    return best, best_chosen


def simulate(
    *,
    decisions: int = 20_000,
    seed: int = 0,
    scenario: Scenario | None = None,
    horizon_days: float = 90.0,
    window_days: float = 7.0,
    start: date = date(2025, 1, 1),
    epsilon: float = 0.05,
    include_linucb: bool = False,
) -> SimulationResult:
    """Run every policy on the same seeded population; deterministic for a seed."""
    scenario = scenario or Scenario()
    options = scenario.options
    population_seed, outcome_seed, random_seed, policy_seed = np.random.SeedSequence(seed).spawn(4)
    population = make_population(
        scenario=scenario,
        size=decisions,
        horizon_days=horizon_days,
        start=start,
        seed=int(population_seed.generate_state(1)[0]),
    )
    converted = (
        np.random.default_rng(outcome_seed).random(population.rates.shape) < population.rates
    )
    spec = feature_spec()
    bandit_seed = int(policy_seed.generate_state(1)[0])
    masked = np.where(population.eligible, population.rates, -1.0)
    uniform = np.random.default_rng(random_seed).random(population.eligible.shape)
    best, fixed_chosen = _best_fixed(population=population)
    chosen = {
        "adaptive": run_policy(
            policy=LinearThompson(n_features=spec.dimension, epsilon=epsilon, seed=bandit_seed),
            population=population,
            converted=converted,
            spec=spec,
            options=options,
            window_days=window_days,
        ),
        "fixed_best": fixed_chosen,
        "random": np.argmax(np.where(population.eligible, uniform, -1.0), axis=1),
        "oracle": np.argmax(masked, axis=1),
    }
    if include_linucb:
        chosen["linucb"] = run_policy(
            policy=LinUCB(n_features=spec.dimension, epsilon=epsilon, seed=bandit_seed),
            population=population,
            converted=converted,
            spec=spec,
            options=options,
            window_days=window_days,
        )
    return SimulationResult(
        seed=seed,
        decisions=decisions,
        horizon_days=horizon_days,
        window_days=window_days,
        options=options,
        best_fixed_option=options[best],
        outcomes={
            name: _outcome(
                name=name, chosen=c, population=population, converted=converted, options=options
            )
            for name, c in chosen.items()
        },
    )
