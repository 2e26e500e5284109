"""What the API shows of decision points: summaries, the log, off-policy evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound

from cadence.db.engine import UnitOfWork
from cadence.db.tables import decision_log
from cadence.db.types import from_millis, to_millis
from cadence.decisions import ope, store, targets
from cadence.decisions.store import Model, StoredPoint
from cadence.errors import FieldError, InputError, NotFound

_L = decision_log.c
MAX_EVALUATED = 200_000


def _iso(millis: int | None) -> str | None:
    return None if millis is None else from_millis(millis).isoformat().replace("+00:00", "Z")


def require_point(uow: UnitOfWork, key: str) -> StoredPoint:
    point = store.load_point(uow, key)
    if point is None:
        raise NotFound("decision point", "key")
    return point


def _version(uow: UnitOfWork, point: StoredPoint, version: int | None) -> Model:
    wanted = point.version if version is None else version
    try:
        return store.load_model(uow, point.spec.key, wanted)
    except NoResultFound as error:
        raise InputError([FieldError("version", f"no version {wanted} of this point")]) from error


def summary(uow: UnitOfWork, point: StoredPoint) -> dict[str, Any]:
    """Counts, the share of each option and its mean reward, for the current version."""
    rows = uow.conn.execute(
        select(_L.chosen, func.count(), func.count(_L.reward), func.sum(_L.reward))
        .where(_L.point == point.spec.key, _L.version == point.version)
        .group_by(_L.chosen)
    ).all()
    total = sum(r[1] for r in rows)
    by_option = {r[0]: r for r in rows}
    options = []
    for option in point.spec.options:
        _, count, rewarded, reward_sum = by_option.get(option, (option, 0, 0, 0.0))
        options.append(
            {
                "option": option,
                "decisions": count,
                "share": count / total if total else 0.0,
                "rewarded": rewarded,
                "mean_reward": float(reward_sum or 0.0) / rewarded if rewarded else None,
            }
        )
    rewarded_total = sum(r[2] for r in rows)
    reward_total = sum(float(r[3] or 0.0) for r in rows)
    return {
        **point.spec.as_document(),
        "managed_by": point.managed_by,
        "version": point.version,
        "decisions": total,
        "rewarded": rewarded_total,
        "mean_reward": reward_total / rewarded_total if rewarded_total else None,
        "by_option": options,
    }


def _millis_iso(value: Any) -> str | None:
    return _iso(None if value is None else to_millis(value))


def contact_decisions(uow: UnitOfWork, *, contact_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The decisions made for these contacts, as their GDPR export shows them."""
    query = select(decision_log).where(decision_log.c.contact_id.in_(list(contact_ids)))
    return [
        {
            "decision_id": row.id,
            "decision": row.point,
            "version": row.version,
            "at": _millis_iso(row.at),
            "context": row.context,
            "options": row.eligible,
            "chosen": row.chosen,
            "propensity": row.propensity,
            "source": row.source,
            "reward": row.reward,
            "rewarded_at": _millis_iso(row.rewarded_at),
        }
        for row in uow.conn.execute(query.order_by(decision_log.c.id))
    ]


def log_page(
    uow: UnitOfWork, point: StoredPoint, *, version: int | None, after: int, limit: int
) -> dict[str, Any]:
    """One page of the log in the logged-bandit form: x, options, action, propensity, reward."""
    model = _version(uow, point, version)
    rows = store.decision_rows(
        uow, point=point.spec.key, version=model.version, after=after, limit=limit
    )
    items = [
        {
            "decision_id": row.id,
            "at": _iso(to_millis(row.at)),
            "contact_id": row.contact_id,
            "context": row.context,
            "features": model.spec.encode(context=row.context).tolist(),
            "options": row.eligible,
            "chosen": row.chosen,
            "action": model.options.index(row.chosen),
            "propensity": row.propensity,
            "draw": row.draw,
            "reward": row.reward,
            "reward_source": row.reward_source,
            "rewarded_at": _iso(None if row.rewarded_at is None else to_millis(row.rewarded_at)),
            "closes_at": _iso(None if row.closes_at is None else to_millis(row.closes_at)),
            "source": row.source,
        }
        for row in rows
    ]
    return {
        "decision": point.spec.key,
        "version": model.version,
        "options": list(model.options),
        "columns": model.spec.columns(),
        "items": items,
        "next_after": items[-1]["decision_id"] if len(items) == limit else None,
    }


def _arrays(model: Model, rows: Sequence[Any]) -> dict[str, np.ndarray]:
    index = {option: j for j, option in enumerate(model.options)}
    eligible = np.zeros((len(rows), len(model.options)), dtype=bool)
    for i, row in enumerate(rows):
        eligible[i, [index[o] for o in row.eligible]] = True
    return {
        "contexts": model.spec.encode_many(contexts=(row.context for row in rows)),
        "actions": np.array([index[row.chosen] for row in rows], dtype=np.int64),
        "rewards": np.array([row.reward for row in rows], dtype=np.float64),
        "propensities": np.array([row.propensity for row in rows], dtype=np.float64),
        "eligible": eligible,
    }


def _target(
    model: Model, arrays: dict[str, np.ndarray], *, policy: str, option: str | None
) -> np.ndarray:
    if policy == "uniform":
        return targets.uniform_target(eligible=arrays["eligible"])
    if policy == "fixed":
        if option not in model.options:
            raise InputError([FieldError("option", f"one of {', '.join(model.options)}")])
        return targets.fixed_target(eligible=arrays["eligible"], option=model.options.index(option))
    return targets.policy_target(
        policy=model.policy,
        contexts=arrays["contexts"],
        eligible=arrays["eligible"],
        options=list(model.options),
    )


def _estimate(estimate: ope.Estimate) -> dict[str, Any]:
    return {
        "value": estimate.value,
        "low": estimate.low,
        "high": estimate.high,
        "effective_sample_size": estimate.effective_sample_size,
    }


def evaluate(
    uow: UnitOfWork,
    point: StoredPoint,
    *,
    policy: str,
    option: str | None,
    version: int | None,
    confidence: float,
) -> dict[str, Any]:
    """IPS, SNIPS and doubly robust estimates of a candidate policy on the rewarded log."""
    model = _version(uow, point, version)
    rows = store.decision_rows(
        uow,
        point=point.spec.key,
        version=model.version,
        rewarded_only=True,
        limit=MAX_EVALUATED,
    )
    if not rows:
        raise InputError(
            [FieldError("decision", "no rewarded decisions to evaluate on yet")],
            code="conflict",
            status=409,
        )
    arrays = _arrays(model, rows)
    target = _target(model, arrays, policy=policy, option=option)
    estimates = ope.evaluate(
        contexts=arrays["contexts"],
        actions=arrays["actions"],
        rewards=arrays["rewards"],
        propensities=arrays["propensities"],
        target=target,
        confidence=confidence,
    )
    # The logging policy itself as the target: every weight is 1, so this is the plain
    # observed mean with its normal interval.
    observed = ope.ips(
        actions=arrays["actions"],
        rewards=arrays["rewards"],
        propensities=arrays["propensities"],
        target=np.eye(len(model.options))[arrays["actions"]] * arrays["propensities"][:, None],
        confidence=confidence,
    )
    return {
        "decision": point.spec.key,
        "version": model.version,
        "policy": {"policy": policy, **({"option": option} if policy == "fixed" else {})},
        "n": len(rows),
        "confidence": confidence,
        "logged": _estimate(observed),
        "estimates": {name: _estimate(e) for name, e in estimates.items()},
    }
