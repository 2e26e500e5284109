"""Candidate policies as ``target`` matrices for off-policy evaluation.

Each helper returns ``(n, k)`` probabilities over the option columns, zero outside the
options eligible in that row (``eligible``, a boolean ``(n, k)`` mask: the options that
passed the send gate when the decision was logged), each row summing to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class DistributionPolicy(Protocol):
    """A policy that states its probabilities (``LinearThompson``, ``LinUCB``)."""

    def distribution(
        self, *, context: np.ndarray, options: Sequence[str], draw: int | None = None
    ) -> np.ndarray: ...


def _mask(eligible: np.ndarray) -> np.ndarray:
    mask = np.asarray(eligible, dtype=bool)
    if mask.ndim != 2 or not mask.any(axis=1).all():
        raise ValueError("eligible must be (n, k) with at least one option per row")
    return mask


def uniform_target(*, eligible: np.ndarray) -> np.ndarray:
    """Uniform random choice among each row's eligible options."""
    mask = _mask(eligible)
    return np.asarray(mask / mask.sum(axis=1, keepdims=True))


def fixed_target(*, eligible: np.ndarray, option: int) -> np.ndarray:
    """Always ``option``; where it was not eligible, uniform over the eligible ones.

    That fallback is what a fixed journey can do when the gate blocks its message; it
    keeps every row a probability distribution, as the estimators require.
    """
    mask = _mask(eligible)
    if not 0 <= option < mask.shape[1]:
        raise ValueError("option must index a column")
    target = uniform_target(eligible=mask)
    allowed = mask[:, option]
    target[allowed] = 0.0
    target[allowed, option] = 1.0
    return target


def policy_target(
    *,
    policy: DistributionPolicy,
    contexts: np.ndarray,
    eligible: np.ndarray,
    options: Sequence[str],
    first_draw: int = 0,
) -> np.ndarray:
    """The policy's own probabilities ("the current model"), row ``i`` on stream ``first_draw + i``.

    For Thompson sampling these are Monte-Carlo shares, unbiased for the exact
    probabilities, so the estimates stay unbiased for the policy as it will act; the
    streams make the matrix reproducible.
    """
    mask = _mask(eligible)
    x = np.asarray(contexts, dtype=np.float64)
    if mask.shape != (len(x), len(options)):
        raise ValueError("eligible must be (n, len(options)) for n contexts")
    target = np.zeros(mask.shape)
    for i in range(len(x)):
        columns = np.flatnonzero(mask[i]).tolist()
        row_options = [options[j] for j in columns]
        target[i, columns] = policy.distribution(
            context=x[i], options=row_options, draw=first_draw + i
        )
    return target
