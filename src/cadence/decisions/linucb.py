"""LinUCB (Li et al., 2010, disjoint models) with the same exploration floor.

Each option keeps ridge statistics ``A_k = ridge · I + Σ x xᵀ`` and ``b_k = Σ r x``; the
score is ``x·θ_k + alpha · sqrt(xᵀ A_k⁻¹ x)`` with ``θ_k = A_k⁻¹ b_k``. The greedy rule is
deterministic, so the propensity is analytic: the highest scores share ``1 - epsilon``
equally (exact ties only, such as a cold start), and every option gets ``epsilon / k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from cadence.decisions.arms import LinearArms, Moments
from cadence.decisions.policy import LinearPolicy


@dataclass(kw_only=True, eq=False)
class LinUCB(LinearPolicy):
    """Upper confidence bounds on a ridge regression per option, with an exploration floor."""

    kind: ClassVar[str] = "linucb"
    alpha: float = 1.0
    ridge: float = 1.0

    def __post_init__(self) -> None:
        if not (self.alpha >= 0 and self.ridge > 0):
            raise ValueError("alpha must be non-negative and ridge positive")
        super().__post_init__()

    def _new_arms(self) -> LinearArms:
        return LinearArms(n_features=self.n_features, prior_variance=1.0 / self.ridge)

    def _greedy(self, *, moments: Moments, rng: np.random.Generator) -> np.ndarray:
        bounds = moments.means + self.alpha * np.sqrt(moments.leverages)
        best = bounds == bounds.max()
        return np.asarray(best / best.sum())

    def _params(self) -> dict[str, Any]:
        return {**super()._params(), "alpha": self.alpha, "ridge": self.ridge}
