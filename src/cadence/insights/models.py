"""Value objects of insights: suggestions with evidence, predictions with their reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# How many contact ids a suggestion carries; `contact_count` always has the full number.
CONTACT_CAP = 50

Kind = Literal[
    "unowned_leads",
    "mql_sla",
    "frequency_fatigue",
    "journey_starved_variant",
    "journey_dropout",
    "profile_stuck",
    "incentive_mismatch",
    "cadence_saturated",
    "cadence_underserved",
]


@dataclass(frozen=True)
class Apply:
    """A safe one-click action: what it does, in words, and its parameters."""

    action: str  # e.g. "assign_owner", "lower_cadence", "raise_cadence"
    label: str  # button text, e.g. "Assign 12 leads to sales@example.com"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """One thing a marketer could do, why, and the numbers and people behind it."""

    id: str  # stable for the same situation: "<kind>:<subject>", used to apply it
    kind: Kind
    title: str
    reason: str
    evidence: Mapping[str, float | int | str]
    contact_ids: tuple[int, ...]  # at most CONTACT_CAP, lowest ids first
    contact_count: int
    severity: int = 2  # 1 = act now, 2 = worth a look, 3 = for information
    apply: Apply | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "reason": self.reason,
            "evidence": dict(self.evidence),
            "contacts": {"ids": list(self.contact_ids), "count": self.contact_count},
            "severity": self.severity,
            "apply": None
            if self.apply is None
            else {
                "action": self.apply.action,
                "label": self.apply.label,
                "params": dict(self.apply.params),
            },
        }


@dataclass(frozen=True)
class Applied:
    """What a one-click apply changed."""

    suggestion_id: str
    action: str
    changed: int  # contacts changed
    detail: str


@dataclass(frozen=True)
class Contribution:
    """One feature's push on a prediction, in a marketer's words."""

    feature: str  # internal name, e.g. "clicks_30d"
    label: str  # "Clicked 4 emails in the last 30 days"
    value: float  # the feature's value for this contact
    effect: float  # signed push on the log-odds (positive raises the probability)


@dataclass(frozen=True)
class Prediction:
    contact_id: int
    probability: float
    model_version: int
    scored_at: int  # epoch ms
    contributions: tuple[Contribution, ...]  # strongest first (by |effect|), at most 5

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "probability": round(self.probability, 4),
            "model_version": self.model_version,
            "scored_at": self.scored_at,
            "top_features": [
                {
                    "feature": c.feature,
                    "label": c.label,
                    "value": c.value,
                    "effect": round(c.effect, 4),
                }
                for c in self.contributions
            ],
        }


@dataclass(frozen=True)
class Metrics:
    """Quality of one scorer on the held-out (later) part of history."""

    auc: float | None  # None when the test part has only one class
    brier: float | None
    reliability: tuple[tuple[float, float, int], ...]  # (mean predicted, observed rate, n)


@dataclass(frozen=True)
class ModelVersion:
    """A trained model version with its metrics and those of the rules on the same split."""

    id: int
    kind: str  # "logistic" | "gradient_boosting"
    active: bool
    trained_at: int
    horizon_days: int
    cutoff: int  # the train/test boundary (epoch ms)
    n_train: int
    n_test: int
    positives_train: int
    positives_test: int
    metrics: Metrics
    rule_score_metrics: Metrics
    features: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        def m(x: Metrics) -> dict[str, Any]:
            return {
                "auc": x.auc,
                "brier": x.brier,
                "reliability": [
                    {"predicted": p, "observed": o, "n": n} for p, o, n in x.reliability
                ],
            }

        return {
            "id": self.id,
            "kind": self.kind,
            "active": self.active,
            "trained_at": self.trained_at,
            "horizon_days": self.horizon_days,
            "cutoff": self.cutoff,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "positives_train": self.positives_train,
            "positives_test": self.positives_test,
            "metrics": m(self.metrics),
            "rule_score_metrics": m(self.rule_score_metrics),
            "features": list(self.features),
        }


def capped(ids: list[int] | set[int]) -> tuple[tuple[int, ...], int]:
    """The first CONTACT_CAP ids (lowest first) and the full count."""
    ordered = sorted(ids)
    return tuple(ordered[:CONTACT_CAP]), len(ordered)
