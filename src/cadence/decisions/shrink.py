"""Beta-binomial shrinkage: a small sample's rate pulled toward its group's rate.

With a ``Beta(strength · prior, strength · (1 - prior))`` prior, the posterior mean after
``successes`` out of ``trials`` is ``(successes + strength · prior) / (trials + strength)``:
``strength`` counts as that many pseudo-trials at the group's rate, so a unit with few
trials sits near its group and one with many near its own rate. ``fit_strength`` is the
empirical-Bayes step: it estimates ``strength`` from how much units of a group really
differ (a method-of-moments fit of the beta-binomial's intra-class correlation).
"""

from __future__ import annotations

import numpy as np


def shrunk_rate(
    *, successes: np.ndarray, trials: np.ndarray, prior: np.ndarray | float, strength: float
) -> np.ndarray:
    """The posterior mean rate under a Beta prior centred on ``prior`` worth ``strength``."""
    if strength <= 0:
        raise ValueError("strength must be positive")
    s, n = np.asarray(successes, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    if np.any(n < 0) or np.any(s < 0) or np.any(s > n):
        raise ValueError("need 0 <= successes <= trials")
    return np.asarray((s + strength * np.asarray(prior)) / (n + strength))


def fit_strength(
    *, successes: np.ndarray, trials: np.ndarray, lowest: float = 1.0, highest: float = 10_000.0
) -> float:
    """Empirical-Bayes prior strength ``alpha + beta`` from units' counts (one entry per unit).

    Solves ``E[Σ n_i (y_i - p)²] = p (1 - p) ((k - 1) + rho (N - k + 1 - Σ n_i² / N))`` for the
    intra-class correlation ``rho = 1 / (alpha + beta + 1)``, with ``y_i`` the units' rates, ``p``
    the pooled rate, ``N`` the total trials and ``k`` the units with trials; the answer is
    clipped to ``[lowest, highest]`` (no detectable spread gives ``highest``).
    """
    s, n = np.asarray(successes, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    keep = n > 0
    s, n = s[keep], n[keep]
    k, total = len(n), float(n.sum())
    pooled = float(s.sum()) / total if total else 0.0
    if k < 2 or pooled in (0.0, 1.0):
        return highest
    spread = float(np.sum(n * (s / n - pooled) ** 2)) / (pooled * (1 - pooled))
    scale = total - k + 1 - float(np.sum(n**2)) / total
    rho = (spread - (k - 1)) / scale if scale > 0 else 0.0
    if rho <= 0:
        return highest
    return float(np.clip(1.0 / rho - 1.0, lowest, highest))
