"""How good a scorer is on held-out rows: ranking (AUC) and calibration (Brier, bins)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from cadence.insights.models import Metrics

BINS = 10


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve (None when only one class is present)."""
    if len(np.unique(y)) < 2:
        return None
    return round(float(roc_auc_score(y, score)), 4)


def brier(y: np.ndarray, probability: np.ndarray) -> float | None:
    """Mean squared error of probabilities against outcomes (lower is better)."""
    if len(y) == 0:
        return None
    return round(float(np.mean((probability - y) ** 2)), 5)


def reliability(
    y: np.ndarray, probability: np.ndarray, bins: int = BINS
) -> tuple[tuple[float, float, int], ...]:
    """Per equal-width probability bin: mean predicted, observed rate, rows (empty bins out)."""
    index = np.minimum((probability * bins).astype(int), bins - 1)
    found: list[tuple[float, float, int]] = []
    for b in range(bins):
        mask = index == b
        n = int(mask.sum())
        if n:
            found.append(
                (round(float(probability[mask].mean()), 4), round(float(y[mask].mean()), 4), n)
            )
    return tuple(found)


def probability_metrics(y: np.ndarray, probability: np.ndarray) -> Metrics:
    return Metrics(auc(y, probability), brier(y, probability), reliability(y, probability))


def ranking_metrics(y: np.ndarray, score: np.ndarray) -> Metrics:
    """For a score that is not a probability (the rule score): AUC only."""
    return Metrics(auc(y, score), None, ())
