"""Off-policy evaluation: what would another policy have earned on the decision log?

The log is in the standard logged-bandit form, one row per decision: ``contexts``
``(n, d)``, the logged ``actions`` ``(n,)`` (column indices into the option list),
``rewards`` ``(n,)`` and the logging ``propensities`` ``(n,)`` (the probability the
logged action had). The candidate policy enters as ``target`` ``(n, k)``: its
probability of each option in each row (see ``targets``: uniform random, a fixed
option, the current model). With importance weights ``w_i = target[i, a_i] /
propensity_i``:

- ``ips``: ``mean(w r)``, unbiased when every propensity is right and positive;
- ``snips``: ``Σ w r / Σ w``, self-normalised, slightly biased and much steadier;
- ``doubly_robust``: ``mean(Σ_a target[i, a] q(x_i, a) + w_i (r_i - q(x_i, a_i)))`` with a
  reward model ``q``: supplied, or a ridge regression per action fitted inside with
  cross-fitting (each row predicted by a model fitted on the other folds).

Confidence intervals: ``interval="normal"`` (the default) is the normal approximation
around the mean of the per-row terms, with the plug-in variance (dividing by ``n``; for
SNIPS the delta-method variance of a ratio of sums);
``interval="bootstrap"`` is the percentile bootstrap over rows with ``resamples`` draws
from a generator seeded with ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from cadence.decisions.reward_model import cross_fitted_rewards

Interval = Literal["normal", "bootstrap"]
_BOOTSTRAP_CELLS = 4_000_000  # resampled indices held in memory at once


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """An estimated policy value with its confidence interval."""

    estimator: str
    value: float
    low: float
    high: float
    confidence: float
    interval: Interval
    n: int
    effective_sample_size: float  # (Σ w)² / Σ w²: how many rows the estimate really rests on


def importance_weights(
    *, actions: np.ndarray, propensities: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """``target[i, a_i] / propensity_i`` per row, after checking the arrays agree."""
    actions, propensities, target = (
        np.asarray(actions),
        np.asarray(propensities),
        np.asarray(target),
    )
    n = len(actions)
    if n == 0 or propensities.shape != (n,) or target.ndim != 2 or target.shape[0] != n:
        raise ValueError("need n > 0 rows: actions (n,), propensities (n,), target (n, k)")
    if not np.issubdtype(actions.dtype, np.integer):
        raise ValueError("actions must be integer column indices")
    if actions.min() < 0 or actions.max() >= target.shape[1]:
        raise ValueError("actions must index the target's columns")
    if not np.all((propensities > 0) & (propensities <= 1)):
        raise ValueError("propensities must be within (0, 1]")
    if not np.all(np.isfinite(target) & (target >= 0)):
        raise ValueError("target probabilities must be finite and non-negative")
    return np.asarray(target[np.arange(n), actions] / propensities)


def _rewards(rewards: np.ndarray, *, n: int) -> np.ndarray:
    r = np.asarray(rewards, dtype=np.float64)
    if r.shape != (n,) or not np.all(np.isfinite(r)):
        raise ValueError("rewards must be (n,) finite numbers, one per logged action")
    return r


def _ess(weights: np.ndarray) -> float:
    square = float(np.sum(weights**2))
    return float(np.sum(weights)) ** 2 / square if square > 0 else 0.0


def _estimate(
    *,
    name: str,
    numerators: np.ndarray,
    denominators: np.ndarray,
    weights: np.ndarray,
    confidence: float,
    interval: Interval,
    seed: int,
    resamples: int,
) -> Estimate:
    """``Σ numerators / Σ denominators`` with its interval (a mean when denominators are 1)."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be within (0, 1)")
    if interval not in ("normal", "bootstrap") or resamples < 1:
        raise ValueError("interval must be 'normal' or 'bootstrap', with resamples >= 1")
    total = float(np.sum(denominators))
    if total <= 0:
        raise ValueError("the target gives zero probability to every logged action")
    value = float(np.sum(numerators)) / total
    if interval == "normal":
        # Linearisation of a ratio of sums; for a plain mean it is the usual standard error.
        spread = float(np.sqrt(np.sum((numerators - value * denominators) ** 2))) / total
        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        low, high = value - z * spread, value + z * spread
    else:
        values = _bootstrap(
            numerators=numerators, denominators=denominators, seed=seed, resamples=resamples
        )
        tail = (1 - confidence) / 2
        low, high = (float(q) for q in np.nanquantile(values, [tail, 1 - tail]))
    return Estimate(
        estimator=name,
        value=value,
        low=low,
        high=high,
        confidence=confidence,
        interval=interval,
        n=len(numerators),
        effective_sample_size=_ess(weights),
    )


def _bootstrap(
    *, numerators: np.ndarray, denominators: np.ndarray, seed: int, resamples: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(numerators)
    chunk = max(1, _BOOTSTRAP_CELLS // n)
    values = []
    for start in range(0, resamples, chunk):
        rows = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        top, bottom = numerators[rows].sum(axis=1), denominators[rows].sum(axis=1)
        values.append(np.divide(top, bottom, out=np.full(len(top), np.nan), where=bottom > 0))
    return np.concatenate(values)


def ips(
    *,
    actions: np.ndarray,
    rewards: np.ndarray,
    propensities: np.ndarray,
    target: np.ndarray,
    confidence: float = 0.95,
    interval: Interval = "normal",
    seed: int = 0,
    resamples: int = 1000,
) -> Estimate:
    """Inverse propensity scoring: ``mean(w r)``."""
    w = importance_weights(actions=actions, propensities=propensities, target=target)
    return _estimate(
        name="ips",
        numerators=w * _rewards(rewards, n=len(w)),
        denominators=np.ones_like(w),
        weights=w,
        confidence=confidence,
        interval=interval,
        seed=seed,
        resamples=resamples,
    )


def snips(
    *,
    actions: np.ndarray,
    rewards: np.ndarray,
    propensities: np.ndarray,
    target: np.ndarray,
    confidence: float = 0.95,
    interval: Interval = "normal",
    seed: int = 0,
    resamples: int = 1000,
) -> Estimate:
    """Self-normalised inverse propensity scoring: ``Σ w r / Σ w``."""
    w = importance_weights(actions=actions, propensities=propensities, target=target)
    return _estimate(
        name="snips",
        numerators=w * _rewards(rewards, n=len(w)),
        denominators=w,
        weights=w,
        confidence=confidence,
        interval=interval,
        seed=seed,
        resamples=resamples,
    )


def doubly_robust(
    *,
    contexts: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    propensities: np.ndarray,
    target: np.ndarray,
    reward_model: np.ndarray | None = None,
    ridge: float = 1.0,
    folds: int = 2,
    confidence: float = 0.95,
    interval: Interval = "normal",
    seed: int = 0,
    resamples: int = 1000,
) -> Estimate:
    """Doubly robust: the reward model's value plus the IPS-weighted correction of its error.

    ``reward_model`` is ``(n, k)``: the predicted reward of every option in every row.
    Without it, ridge regressions per action are cross-fitted over ``folds`` folds
    (row ``i`` in fold ``i % folds``; ``folds=1`` fits and predicts on all rows).
    """
    w = importance_weights(actions=actions, propensities=propensities, target=target)
    r = _rewards(rewards, n=len(w))
    a = np.asarray(actions)
    target = np.asarray(target, dtype=np.float64)
    if reward_model is None:
        q = cross_fitted_rewards(
            contexts=contexts,
            actions=a,
            rewards=r,
            n_options=target.shape[1],
            ridge=ridge,
            folds=folds,
        )
    else:
        q = np.asarray(reward_model, dtype=np.float64)
        if q.shape != target.shape:
            raise ValueError("reward_model must have the target's shape (n, k)")
    rows = np.arange(len(a))
    terms = np.sum(target * q, axis=1) + w * (r - q[rows, a])
    return _estimate(
        name="dr",
        numerators=terms,
        denominators=np.ones_like(terms),
        weights=w,
        confidence=confidence,
        interval=interval,
        seed=seed,
        resamples=resamples,
    )


def evaluate(
    *,
    contexts: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    propensities: np.ndarray,
    target: np.ndarray,
    reward_model: np.ndarray | None = None,
    confidence: float = 0.95,
    interval: Interval = "normal",
    seed: int = 0,
) -> dict[str, Estimate]:
    """IPS, SNIPS and doubly robust estimates of ``target`` on the log, by name."""
    return {
        "ips": ips(
            actions=actions,
            rewards=rewards,
            propensities=propensities,
            target=target,
            confidence=confidence,
            interval=interval,
            seed=seed,
        ),
        "snips": snips(
            actions=actions,
            rewards=rewards,
            propensities=propensities,
            target=target,
            confidence=confidence,
            interval=interval,
            seed=seed,
        ),
        "dr": doubly_robust(
            contexts=contexts,
            actions=actions,
            rewards=rewards,
            propensities=propensities,
            target=target,
            reward_model=reward_model,
            confidence=confidence,
            interval=interval,
            seed=seed,
        ),
    }
