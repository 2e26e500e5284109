"""The applied lead-management configuration (scoring, grading, lifecycle), kept in ``meta``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import delete, insert, select

from cadence.conditions import Condition, InvalidCondition, join_path, parse_condition
from cadence.db.engine import UnitOfWork
from cadence.db.tables import meta
from cadence.errors import FieldError
from cadence.scoring.config import (
    ConfigError,
    GradingConfig,
    ScoringConfig,
    parse_grading,
    parse_scoring,
)

KEY = "workspace.leads"
DEFAULT_MQL: dict[str, Any] = {
    "all": [
        {"field": "band", "op": "lte", "value": 2},
        {"field": "grade", "op": "in", "value": ["A", "B"]},
    ]
}
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "nurture")


@dataclass(frozen=True)
class LeadSettings:
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    grading: GradingConfig = field(default_factory=GradingConfig)
    mql: Condition = field(default_factory=lambda: parse_condition(DEFAULT_MQL))
    sales_sla_days: int = 3
    criteria: tuple[tuple[str, Condition, float], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def half_life_days(self) -> float | None:
        return self.scoring.half_life_days


def read_sections(raw: Mapping[str, Any]) -> tuple[LeadSettings | None, list[FieldError]]:
    """Validate the ``scoring``, ``grading`` and ``lifecycle`` sections of a document."""
    errors: list[FieldError] = []
    scoring = grading = None
    try:
        scoring = parse_scoring(section=raw.get("scoring"))
    except ConfigError as error:
        errors += [FieldError(path, message) for path, message in error.problems]
    try:
        grading = parse_grading(section=raw.get("grading"))
    except ConfigError as error:
        errors += [FieldError(path, message) for path, message in error.problems]
    criteria: list[tuple[str, Condition, float]] = []
    if grading is not None:
        for index, criterion in enumerate(grading.criteria):
            try:
                criteria.append(
                    (criterion.key, parse_condition(dict(criterion.when)), criterion.points)
                )
            except InvalidCondition as error:
                base = f"grading.criteria[{index}].when"
                errors += [
                    FieldError(join_path(base, e.path) if e.path else base, e.message)
                    for e in error.errors
                ]
    lifecycle = raw.get("lifecycle") or {}
    mql_raw: Any = DEFAULT_MQL
    sla = 3
    if not isinstance(lifecycle, Mapping):
        errors.append(
            FieldError("lifecycle", "must be a mapping (mql: <condition>, sales_sla_days: N)")
        )
    else:
        for unknown in sorted(set(lifecycle) - {"mql", "sales_sla_days"}, key=str):
            errors.append(FieldError(f"lifecycle.{unknown}", "unknown field"))
        mql_raw = lifecycle.get("mql", DEFAULT_MQL)
        sla = lifecycle.get("sales_sla_days", 3)
        if not isinstance(sla, int) or isinstance(sla, bool) or sla < 1:
            errors.append(
                FieldError("lifecycle.sales_sla_days", "must be a positive whole number of days")
            )
            sla = 3
    mql: Condition | None = None
    try:
        mql = parse_condition(mql_raw)
    except InvalidCondition as error:
        errors += [
            FieldError(join_path("lifecycle.mql", e.path) if e.path else "lifecycle.mql", e.message)
            for e in error.errors
        ]
    if errors or scoring is None or grading is None or mql is None:
        return None, errors
    stored = {k: raw[k] for k in ("scoring", "grading", "lifecycle") if raw.get(k) is not None}
    return LeadSettings(scoring, grading, mql, sla, tuple(criteria), stored), []


def load(uow: UnitOfWork) -> LeadSettings:
    """The applied settings (the defaults until a workspace file sets them)."""
    row = uow.conn.execute(select(meta.c.value).where(meta.c.key == KEY)).first()
    if row is None:
        return LeadSettings()
    settings, errors = read_sections(orjson.loads(row[0]))
    assert settings is not None, errors  # stored settings were validated when applied
    return settings


def store(uow: UnitOfWork, settings: LeadSettings) -> None:
    uow.conn.execute(delete(meta).where(meta.c.key == KEY))
    uow.conn.execute(insert(meta).values(key=KEY, value=orjson.dumps(dict(settings.raw)).decode()))
