"""Reward models for the doubly robust estimator: a ridge regression per action."""

from __future__ import annotations

import numpy as np


def fit_reward_model(
    *,
    contexts: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    n_options: int,
    ridge: float = 1.0,
) -> np.ndarray:
    """Ridge regression of reward on context per action: coefficients ``(k, d)``."""
    if ridge <= 0:
        raise ValueError("ridge must be positive (it also covers actions never logged)")
    x = np.asarray(contexts, dtype=np.float64)
    a, r = np.asarray(actions), np.asarray(rewards, dtype=np.float64)
    eye = ridge * np.eye(x.shape[1])
    coefficients = np.zeros((n_options, x.shape[1]))
    for k in range(n_options):
        xk, rk = x[a == k], r[a == k]
        coefficients[k] = np.linalg.solve(xk.T @ xk + eye, xk.T @ rk)
    return coefficients


def predict_rewards(*, coefficients: np.ndarray, contexts: np.ndarray) -> np.ndarray:
    """Predicted reward of every option in every row: ``(n, k)``."""
    return np.asarray(np.asarray(contexts, dtype=np.float64) @ coefficients.T)


def cross_fitted_rewards(
    *,
    contexts: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    n_options: int,
    ridge: float = 1.0,
    folds: int = 2,
) -> np.ndarray:
    """Each row's predictions from a reward model fitted without that row's fold."""
    x = np.asarray(contexts, dtype=np.float64)
    if folds < 1 or x.ndim != 2 or len(x) != len(actions):
        raise ValueError("need contexts (n, d) for the logged rows and folds >= 1")
    fold = np.arange(len(x)) % folds
    predictions = np.zeros((len(x), n_options))
    for f in range(folds):
        fit = fold != f if folds > 1 else np.ones(len(x), dtype=bool)
        coefficients = fit_reward_model(
            contexts=x[fit],
            actions=np.asarray(actions)[fit],
            rewards=np.asarray(rewards)[fit],
            n_options=n_options,
            ridge=ridge,
        )
        predictions[fold == f] = predict_rewards(coefficients=coefficients, contexts=x[fold == f])
    return predictions
