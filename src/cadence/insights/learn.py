"""Fitting and explaining conversion models (pure: arrays in, fitted models and numbers out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import ClassifierMixin  # type: ignore[import-untyped]
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # type: ignore[import-untyped]

from cadence.insights.features import Dataset
from cadence.insights.metrics import auc, probability_metrics, ranking_metrics
from cadence.insights.models import Metrics

KINDS = ("logistic", "gradient_boosting")
TRAIN_SHARE = 0.75
MIN_EFFECT = 0.01  # log-odds; smaller pushes are not worth showing
TOP = 5


def signed_log(x: np.ndarray) -> np.ndarray:
    """Counts and days are heavy-tailed: compress them, keeping the sign of the score."""
    return np.asarray(np.sign(x) * np.log1p(np.abs(x)), dtype=np.float64)


# Settings tried per kind, strongest regularisation first; one is chosen on a time split
# inside the training rows only, so the test rows never tune anything.
LOGISTIC_C = (0.01, 0.05, 0.2, 1.0)
BOOSTING = ((7, 50), (15, 20))  # (max_leaf_nodes, min_samples_leaf)


def settings_of(kind: str) -> int:
    if kind == "logistic":
        return len(LOGISTIC_C)
    if kind == "gradient_boosting":
        return len(BOOSTING)
    raise ValueError(f"unknown model kind {kind!r}")


def make_model(kind: str, setting: int = 0, *, seed: int = 7) -> ClassifierMixin:
    if kind == "logistic":
        model: ClassifierMixin = make_pipeline(
            FunctionTransformer(signed_log),
            StandardScaler(),
            LogisticRegression(max_iter=3000, C=LOGISTIC_C[setting]),
        )
        return model
    if kind == "gradient_boosting":
        leaves, per_leaf = BOOSTING[setting]
        return HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=leaves,
            min_samples_leaf=per_leaf,
            l2_regularization=1.0,
            random_state=seed,
        )
    raise ValueError(f"unknown model kind {kind!r}")


@dataclass(frozen=True)
class Split:
    """Rows before and after the cut-off; training labels all close by the cut-off."""

    cutoff: int
    train: np.ndarray  # boolean masks over the dataset's rows
    test: np.ndarray


def time_split(data: Dataset, *, horizon_ms: int, share: float = TRAIN_SHARE) -> Split:
    """Snapshots whose label window ends by the cut-off train; those from the cut-off test."""
    times = np.unique(data.at)
    if len(times) == 0:
        return Split(0, np.zeros(0, bool), np.zeros(0, bool))
    cutoff = int(times[min(len(times) - 1, int(np.ceil(share * len(times))))])
    return Split(cutoff, data.at + horizon_ms <= cutoff, data.at >= cutoff)


def fit(kind: str, x: np.ndarray, y: np.ndarray, setting: int = 0) -> ClassifierMixin:
    model = make_model(kind, setting)
    model.fit(x, y)
    return model


def subset(data: Dataset, rows: np.ndarray) -> Dataset:
    return Dataset(
        data.x[rows], data.y[rows], data.at[rows], data.score[rows], data.contact_ids[rows]
    )


def choose_setting(kind: str, data: Dataset, *, horizon_ms: int) -> int:
    """The setting with the best AUC on the later part of ``data`` (fit on its earlier part);
    the first (most regularised) when that part cannot tell."""
    inner = time_split(data, horizon_ms=horizon_ms)
    y_fit, y_check = data.y[inner.train], data.y[inner.test]
    if len(np.unique(y_fit)) < 2 or len(np.unique(y_check)) < 2:
        return 0
    scores = []
    for setting in range(settings_of(kind)):
        model = fit(kind, data.x[inner.train], y_fit, setting)
        scores.append(auc(y_check, probabilities(model, data.x[inner.test])) or 0.0)
    return int(np.argmax(scores))


def probabilities(model: ClassifierMixin, x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return np.zeros(0)
    return np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64)


def evaluate_split(
    kind: str, data: Dataset, split: Split, *, horizon_ms: int
) -> tuple[int, Metrics, Metrics]:
    """(setting chosen on the train rows, model metrics, rule score metrics on the test
    rows) after fitting on the train rows."""
    setting = choose_setting(kind, subset(data, split.train), horizon_ms=horizon_ms)
    model = fit(kind, data.x[split.train], data.y[split.train], setting)
    y = data.y[split.test]
    return (
        setting,
        probability_metrics(y, probabilities(model, data.x[split.test])),
        ranking_metrics(y, data.score[split.test]),
    )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def contributions(
    model: ClassifierMixin, x: np.ndarray, baseline: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and, per row and feature, the push on the log-odds of that feature's
    value against the training average (the prediction minus the one with that feature
    set to average): exact for the logistic model, a faithful local view for boosting."""
    n, width = x.shape
    full = probabilities(model, x)
    if n == 0:
        return full, np.zeros((0, width))
    swapped = np.repeat(x, width, axis=0)
    cols = np.tile(np.arange(width), n)
    swapped[np.arange(n * width), cols] = baseline[cols]
    without = probabilities(model, swapped).reshape(n, width)
    return full, _logit(full)[:, None] - _logit(without)


def top_effects(effects: np.ndarray) -> list[int]:
    """Indices of the strongest pushes, strongest first."""
    order = np.argsort(-np.abs(effects), kind="stable")
    return [int(i) for i in order[:TOP] if abs(effects[i]) >= MIN_EFFECT]
