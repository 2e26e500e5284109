"""Bayesian linear regression per option, the shared state of the linear bandits.

For each option ``k`` the reward is modelled as ``r = x·w_k + noise`` with noise
``N(0, σ²)`` and the conjugate Normal-Inverse-Gamma prior: ``σ² ~ InvGamma(noise_shape,
noise_scale)`` and ``w_k | σ² ~ N(0, σ² · prior_variance · I)``. That prior is the cold
start (an option never rewarded is scored by it alone), and the noise level is learnt
from the rewards rather than guessed: 0/1 conversions at a 10% rate have ``σ² ≈ 0.09``,
and assuming the worst case (0.25) would keep exploring for far too long.

The statistics kept per option are ``cov_k = Λ_k⁻¹`` with ``Λ_k = I / prior_variance +
Σ x xᵀ`` (updated by Sherman-Morrison, O(d²) per reward), ``b_k = Σ r x``, ``Σ r²`` and
the count ``n_k``. The posterior is ``w | σ² ~ N(μ_k, σ² cov_k)`` with ``μ_k = cov_k b_k``,
and ``σ² ~ InvGamma(shape_k, scale_k)`` with ``shape_k = noise_shape + n_k / 2`` and
``scale_k = noise_scale + (Σ r² - μ_k·b_k) / 2``; so the score ``x·w_k`` is Student-t
with ``2 shape_k`` degrees of freedom, location ``x·μ_k`` and squared scale
``(scale_k / shape_k) · xᵀ cov_k x``.

LinUCB's ridge statistics are ``cov_k`` and ``b_k`` with ``prior_variance = 1 / ridge``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Moments:
    """Posterior summaries of ``x·w_k`` for a list of options."""

    means: np.ndarray  # x·μ_k
    leverages: np.ndarray  # xᵀ cov_k x: the score's variance per unit of noise variance
    shapes: np.ndarray  # the noise variance's inverse-gamma shape_k
    scales: np.ndarray  # and scale_k


@dataclass(kw_only=True, eq=False)
class LinearArms:
    """Posterior statistics per option name; an option is added at the prior when first seen."""

    n_features: int
    prior_variance: float = 1.0
    noise_shape: float = 2.0
    noise_scale: float = 0.25  # with shape 2: a prior mean σ² of 0.25, the most a 0/1 reward has
    names: list[str] = field(default_factory=list)
    cov: np.ndarray = field(init=False, repr=False)
    b: np.ndarray = field(init=False, repr=False)
    squares: np.ndarray = field(init=False, repr=False)  # Σ r²
    counts: np.ndarray = field(init=False, repr=False)  # n, as floats
    residuals: np.ndarray = field(init=False, repr=False)  # Σ r² - μ·b, derived
    mu: np.ndarray = field(init=False, repr=False)  # μ_k = cov_k b_k, derived: x·μ_k is one matvec
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.n_features < 1:
            raise ValueError("n_features must be at least 1")
        if not (self.prior_variance > 0 and self.noise_shape > 0 and self.noise_scale > 0):
            raise ValueError("prior_variance, noise_shape and noise_scale must be positive")
        d = self.n_features
        self.cov, self.b = np.zeros((0, d, d)), np.zeros((0, d))
        self.squares, self.counts, self.residuals = np.zeros(0), np.zeros(0), np.zeros(0)
        self.mu = np.zeros((0, d))
        names, self.names, self._index = self.names, [], {}
        for name in names:
            self.add(option=name)

    def add(self, *, option: str) -> int:
        """Add ``option`` at the prior (if new); its row index."""
        if option in self._index:
            return self._index[option]
        prior = np.eye(self.n_features)[None] * self.prior_variance
        self.cov = np.concatenate([self.cov, prior])
        self.b = np.concatenate([self.b, np.zeros((1, self.n_features))])
        self.squares = np.append(self.squares, 0.0)
        self.counts = np.append(self.counts, 0.0)
        self.residuals = np.append(self.residuals, 0.0)
        self.mu = np.concatenate([self.mu, np.zeros((1, self.n_features))])
        self.names.append(option)
        self._index[option] = len(self.names) - 1
        return self._index[option]

    def moments(self, *, context: np.ndarray, options: Sequence[str]) -> Moments:
        """Posterior summaries of ``x·w_k`` for each option, in ``options`` order."""
        x = self._check(context)
        rows = [self._index.get(option, -1) for option in options]
        if -1 in rows:
            return self._moments_with_new(x=x, rows=rows)
        if len(rows) == len(self.names) and rows == sorted(rows):
            return self._moments_all(x=x)  # every option, in stored order: no row selection
        # Few stored options beyond the eligible ones: one batched product, then pick rows.
        cov_x = (self.cov @ x)[rows] if len(self.names) <= 2 * len(rows) else self.cov[rows] @ x
        return Moments(
            means=self.mu[rows] @ x,
            leverages=np.maximum(cov_x @ x, 0.0),
            shapes=self.noise_shape + 0.5 * self.counts[rows],
            scales=self.noise_scale + 0.5 * self.residuals[rows],
        )

    def _moments_all(self, *, x: np.ndarray) -> Moments:
        cov_x = self.cov @ x
        return Moments(
            means=self.mu @ x,
            leverages=np.maximum(cov_x @ x, 0.0),
            shapes=self.noise_shape + 0.5 * self.counts,
            scales=self.noise_scale + 0.5 * self.residuals,
        )

    def _moments_with_new(self, *, x: np.ndarray, rows: list[int]) -> Moments:
        """Moments when some options have never been rewarded: those sit at the prior."""
        known = np.array(rows) >= 0
        take = np.where(known, rows, 0)
        prior = Moments(
            means=np.zeros(len(rows)),
            leverages=np.full(len(rows), self.prior_variance * float(x @ x)),
            shapes=np.full(len(rows), self.noise_shape),
            scales=np.full(len(rows), self.noise_scale),
        )
        if not known.any():
            return prior
        cov_x = self.cov[take] @ x
        return Moments(
            means=np.where(known, np.einsum("kd,kd->k", cov_x, self.b[take]), prior.means),
            leverages=np.where(known, np.maximum(cov_x @ x, 0.0), prior.leverages),
            shapes=np.where(known, self.noise_shape + 0.5 * self.counts[take], prior.shapes),
            scales=np.where(known, self.noise_scale + 0.5 * self.residuals[take], prior.scales),
        )

    def update(self, *, context: np.ndarray, option: str, reward: float) -> None:
        """Fold one observed reward into the option's posterior (Sherman-Morrison)."""
        x = self._check(context)
        if not np.isfinite(reward):
            raise ValueError("reward must be finite")
        k = self.add(option=option)
        cov = self.cov[k]
        cov_x = cov @ x
        cov -= np.outer(cov_x, cov_x) / (1.0 + float(x @ cov_x))
        self.b[k] += reward * x
        self.squares[k] += reward * reward
        self.counts[k] += 1.0
        self._refresh(k)

    def remove(self, *, context: np.ndarray, option: str, reward: float) -> None:
        """Take back one reward folded in by ``update`` (a corrected reward replaces it)."""
        x = self._check(context)
        k = self._index[option]
        cov = self.cov[k]
        cov_x = cov @ x
        # Sherman-Morrison with a minus sign; 1 - x·cov·x > 0 since x was counted in cov.
        cov += np.outer(cov_x, cov_x) / (1.0 - float(x @ cov_x))
        self.b[k] -= reward * x
        self.squares[k] -= reward * reward
        self.counts[k] -= 1.0
        self._refresh(k)

    def _refresh(self, k: int) -> None:
        # Σ r² - μ·b is the residual sum of squares plus the prior's penalty: never negative.
        self.mu[k] = self.cov[k] @ self.b[k]
        self.residuals[k] = max(float(self.squares[k] - self.mu[k] @ self.b[k]), 0.0)

    def weights(self, *, option: str) -> np.ndarray:
        """The posterior mean weight vector of ``option`` (zeros at the prior)."""
        k = self._index.get(option)
        if k is None:
            return np.zeros(self.n_features)
        return np.asarray(self.cov[k] @ self.b[k])

    def _check(self, context: np.ndarray) -> np.ndarray:
        x = np.asarray(context, dtype=np.float64)
        if x.shape != (self.n_features,):
            raise ValueError(f"context must have shape ({self.n_features},), got {x.shape}")
        return x

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_features": self.n_features,
            "prior_variance": self.prior_variance,
            "noise_shape": self.noise_shape,
            "noise_scale": self.noise_scale,
            "arms": {
                name: {
                    "cov": self.cov[k].tolist(),
                    "b": self.b[k].tolist(),
                    "squares": float(self.squares[k]),
                    "count": int(self.counts[k]),
                }
                for k, name in enumerate(self.names)
            },
        }

    def header(self) -> dict[str, Any]:
        """Everything but the arrays, as JSON-able values (see ``restore``)."""
        return {
            "n_features": self.n_features,
            "prior_variance": self.prior_variance,
            "noise_shape": self.noise_shape,
            "noise_scale": self.noise_scale,
            "names": list(self.names),
        }

    def packed(self) -> bytes:
        """The statistics as float64 bytes: every cov, every b, then squares and counts."""
        parts = (self.cov.ravel(), self.b.ravel(), self.squares, self.counts)
        return np.concatenate(parts).astype(np.float64).tobytes()

    @classmethod
    def restore(cls, *, header: Mapping[str, Any], packed: bytes) -> LinearArms:
        """Rebuild from ``header()`` and ``packed()`` without a JSON round trip of the arrays."""
        arms = cls(
            n_features=int(header["n_features"]),
            prior_variance=float(header["prior_variance"]),
            noise_shape=float(header["noise_shape"]),
            noise_scale=float(header["noise_scale"]),
        )
        d, names = arms.n_features, list(header["names"])
        k = len(names)
        flat = np.frombuffer(packed, dtype=np.float64)
        if flat.size != k * (d * d + d + 2):
            raise ValueError("packed statistics do not match the header")
        arms.names, arms._index = names, {name: j for j, name in enumerate(names)}
        arms.cov = flat[: k * d * d].reshape(k, d, d).copy()
        arms.b = flat[k * d * d : k * (d * d + d)].reshape(k, d).copy()
        arms.squares = flat[k * (d * d + d) : k * (d * d + d + 1)].copy()
        arms.counts = flat[k * (d * d + d + 1) :].copy()
        arms.residuals, arms.mu = np.zeros(k), np.zeros((k, d))
        for j in range(k):
            arms._refresh(j)
        return arms

    @classmethod
    def from_dict(cls, *, data: Mapping[str, Any]) -> LinearArms:
        arms = cls(
            n_features=int(data["n_features"]),
            prior_variance=float(data["prior_variance"]),
            noise_shape=float(data["noise_shape"]),
            noise_scale=float(data["noise_scale"]),
        )
        d = arms.n_features
        stored: Mapping[str, Mapping[str, Any]] = data["arms"]
        arms.names = list(stored)
        arms._index = {name: k for k, name in enumerate(arms.names)}
        arms.cov = np.array([a["cov"] for a in stored.values()], dtype=np.float64).reshape(-1, d, d)
        arms.b = np.array([a["b"] for a in stored.values()], dtype=np.float64).reshape(-1, d)
        arms.squares = np.array([a["squares"] for a in stored.values()], dtype=np.float64)
        arms.counts = np.array([a["count"] for a in stored.values()], dtype=np.float64)
        arms.residuals, arms.mu = np.zeros(len(arms.names)), np.zeros((len(arms.names), d))
        for k in range(len(arms.names)):
            arms._refresh(k)
        return arms
