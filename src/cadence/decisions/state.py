"""Stored policy state back to a policy, whichever kind it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadence.decisions.arms import LinearArms
from cadence.decisions.linear_ts import LinearThompson
from cadence.decisions.linucb import LinUCB
from cadence.decisions.policy import LinearPolicy

POLICY_KINDS: dict[str, type[LinearPolicy]] = {
    LinearThompson.kind: LinearThompson,
    LinUCB.kind: LinUCB,
}


def load_policy(*, state: Mapping[str, Any]) -> LinearPolicy:
    """Rebuild the policy that ``policy.to_dict()`` produced."""
    kind = state.get("kind")
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    return POLICY_KINDS[kind].from_dict(data=state)


def restore_policy(*, header: Mapping[str, Any], packed: bytes) -> LinearPolicy:
    """Rebuild the policy from ``policy.header()`` and ``policy.arms.packed()``."""
    kind = header.get("kind")
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    params = header["params"]
    policy = POLICY_KINDS[kind](
        **params, seed=int(header["seed"]), decisions=int(header["decisions"])
    )
    policy.arms = LinearArms.restore(header=header["arms"], packed=packed)
    return policy
