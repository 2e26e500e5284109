"""Decision points, their models and the decision log in the database.

A point's model lives in one ``decision_models`` row per version: the policy's header as
JSON and its statistics as float64 bytes (a few hundred kilobytes at most, read and
written whole in one statement). ``updates`` counts the rewards learnt, so a process
holding the model in memory knows it is stale when the stored counter moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from cadence.db.engine import UnitOfWork
from cadence.db.tables import decision_log, decision_models, decision_points
from cadence.decisions.config import PointSpec, RewardSpec, feature_spec, parse_reward
from cadence.decisions.features import FeatureSpec
from cadence.decisions.linear_ts import LinearThompson
from cadence.decisions.linucb import LinUCB
from cadence.decisions.policy import LinearPolicy
from cadence.decisions.state import restore_policy

_P, _M, _L = decision_points.c, decision_models.c, decision_log.c


@dataclass(frozen=True, kw_only=True)
class StoredPoint:
    """A point as stored: its declaration, who manages it and its current model version."""

    spec: PointSpec
    managed_by: str
    version: int
    active: bool


@dataclass(kw_only=True, eq=False)
class Model:
    """One version's model: the options and features it was built for, and the policy."""

    point: str
    version: int
    options: tuple[str, ...]
    spec: FeatureSpec
    policy: LinearPolicy
    updates: int


def new_policy(*, algorithm: str, n_features: int, exploration: float) -> LinearPolicy:
    """A policy at its prior (the cold start)."""
    if algorithm == "linucb":
        return LinUCB(n_features=n_features, epsilon=exploration)
    return LinearThompson(n_features=n_features, epsilon=exploration)


def _reward(raw: Mapping[str, Any] | None) -> RewardSpec | None:
    reward, _ = parse_reward(raw, path="reward")
    return reward


def _point(row: Any) -> StoredPoint:
    spec = PointSpec(
        key=row.key,
        options=tuple(row.options),
        features=tuple(row.features),
        reward=_reward(row.reward),
        algorithm=row.algorithm,
        exploration=float(row.epsilon),
    )
    return StoredPoint(spec=spec, managed_by=row.managed_by, version=row.version, active=row.active)


def load_point(uow: UnitOfWork, key: str) -> StoredPoint | None:
    row = uow.conn.execute(select(decision_points).where(_P.key == key)).first()
    return None if row is None else _point(row)


def load_points(uow: UnitOfWork, *, managed_by: str | None = None) -> list[StoredPoint]:
    """Active points in key order, optionally only those one owner manages."""
    query = select(decision_points).where(_P.active.is_(True)).order_by(_P.key)
    if managed_by is not None:
        query = query.where(_P.managed_by == managed_by)
    return [_point(row) for row in uow.conn.execute(query)]


def save_point(uow: UnitOfWork, *, spec: PointSpec, managed_by: str, now: int) -> str:
    """Create or update a point: ``created``, ``versioned``, ``updated`` or ``unchanged``.

    New options, features or reward start a new model version at the prior; the log and
    the model of the old version (with the reward it was learning) stay as they were.
    """
    current = load_point(uow, spec.key)
    values = {
        "options": list(spec.options),
        "features": list(spec.features),
        "reward": None if spec.reward is None else spec.reward.as_document(),
        "algorithm": spec.algorithm,
        "epsilon": spec.exploration,
        "managed_by": managed_by,
        "active": True,
        "updated_at": now,
    }
    if current is None:
        version = _next_version(uow, spec.key)
        uow.conn.execute(
            insert(decision_points).values(key=spec.key, version=version, created_at=now, **values)
        )
        _create_model(uow, spec=spec, version=version, now=now)
        return "created"
    same_model = (
        current.spec.options == spec.options
        and current.spec.features == spec.features
        and current.spec.algorithm == spec.algorithm
        and current.spec.reward == spec.reward  # a new goal is a new target to learn
    )
    if same_model and current.spec == spec and current.active and current.managed_by == managed_by:
        return "unchanged"
    version = current.version if same_model else _next_version(uow, spec.key)
    uow.conn.execute(
        update(decision_points).where(_P.key == spec.key).values(version=version, **values)
    )
    if not same_model:
        _create_model(uow, spec=spec, version=version, now=now)
        return "versioned"
    if current.spec.exploration != spec.exploration:
        model = load_model(uow, spec.key, version, for_update=True)
        model.policy.epsilon = spec.exploration
        save_model(uow, model, now=now)
    return "updated"


def retire_point(uow: UnitOfWork, key: str, *, now: int) -> None:
    """Stop deciding at a point; its models and log stay for evaluation."""
    uow.conn.execute(
        update(decision_points).where(_P.key == key).values(active=False, updated_at=now)
    )


def _next_version(uow: UnitOfWork, key: str) -> int:
    latest = uow.conn.execute(
        select(_M.version).where(_M.point == key).order_by(_M.version.desc()).limit(1)
    ).scalar()
    return 1 if latest is None else int(latest) + 1


def _create_model(uow: UnitOfWork, *, spec: PointSpec, version: int, now: int) -> None:
    features = feature_spec(spec.features)
    policy = new_policy(
        algorithm=spec.algorithm, n_features=features.dimension, exploration=spec.exploration
    )
    for option in spec.options:
        policy.arms.add(option=option)
    uow.conn.execute(
        insert(decision_models).values(
            point=spec.key,
            version=version,
            options=list(spec.options),
            spec=features.to_dict(),
            params=policy.header(),
            arrays=policy.arms.packed(),
            updates=0,
            updated_at=now,
            reward=None if spec.reward is None else spec.reward.as_document(),
        )
    )


def model_from_row(row: Any) -> Model:
    return Model(
        point=row.point,
        version=row.version,
        options=tuple(row.options),
        spec=FeatureSpec.from_dict(data=row.spec),
        policy=restore_policy(header=row.params, packed=bytes(row.arrays)),
        updates=row.updates,
    )


def load_model(uow: UnitOfWork, point: str, version: int, *, for_update: bool = False) -> Model:
    """One version's model; ``for_update`` locks the row until the transaction ends."""
    query = select(decision_models).where(_M.point == point, _M.version == version)
    if for_update:
        query = query.with_for_update()
    row = uow.conn.execute(query).one()
    return model_from_row(row)


def save_model(uow: UnitOfWork, model: Model, *, now: int) -> None:
    """Store the policy after learning; the counter moves so other processes re-read."""
    model.updates += 1
    uow.conn.execute(
        update(decision_models)
        .where(_M.point == model.point, _M.version == model.version)
        .values(
            params=model.policy.header(),
            arrays=model.policy.arms.packed(),
            updates=model.updates,
            updated_at=now,
        )
    )


_INSERT_DECISIONS = insert(decision_log).returning(_L.id, sort_by_parameter_order=True)


def insert_decisions(uow: UnitOfWork, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Append decisions to the log in one statement; their ids, in order."""
    if not rows:
        return []
    if len(rows) == 1:
        return [int(uow.conn.execute(_INSERT_DECISIONS, dict(rows[0])).scalar_one())]
    result = uow.conn.execute(_INSERT_DECISIONS, [dict(r) for r in rows])
    return [int(i) for i in result.scalars().all()]


def decision_rows(
    uow: UnitOfWork,
    *,
    point: str,
    version: int,
    after: int = 0,
    limit: int | None = None,
    rewarded_only: bool = False,
) -> Sequence[Any]:
    """Log rows of one version in id order."""
    query = (
        select(decision_log)
        .where(_L.point == point, _L.version == version, _L.id > after)
        .order_by(_L.id)
    )
    if rewarded_only:
        query = query.where(_L.reward.is_not(None))
    if limit is not None:
        query = query.limit(limit)
    return uow.conn.execute(query).all()


def forget_contacts(uow: UnitOfWork, *, contact_ids: Sequence[int]) -> None:
    """Erasure: unlink the contacts' decisions and drop their recorded context.

    The rows stay (with their option, propensity and reward) so counts and the
    model's history remain, but nothing in them points to or describes the person;
    windows still open will expire unrewarded.
    """
    uow.conn.execute(
        update(decision_log)
        .where(_L.contact_id.in_(list(contact_ids)))
        .values(contact_id=None, context={})
    )
