"""A synthetic population whose hidden response rates depend on its features.

The default ``Scenario`` is the issue's case: 75% of people respond best to message
``A`` and 25% (executives and founders, told apart by ``persona``) to message ``B``;
``C`` is middling for everyone and needs SMS consent, which a fifth of people lack.
Rates are further scaled by lifecycle stage (customers respond more), by engagement,
and by the time of year, so the model has real signal and real noise to deal with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from cadence.decisions.features import (
    Categorical,
    DayOfYear,
    FeatureSpec,
    Flag,
    Memberships,
    Numeric,
)

MAJORITY_PERSONAS = ("engineer", "analyst", "marketer")
MINORITY_PERSONAS = ("executive", "founder")
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "IN", "BR")
INDUSTRIES = ("saas", "retail", "finance", "health", "education")
STAGES = ("lead", "mql", "sql", "customer")
GRADES = ("A", "B", "C", "D", "E")
SEGMENTS = ("webinar-attendees", "pricing-viewers", "trial-users", "newsletter-readers")


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """Who is in the population and how (hiddenly) they respond to each option."""

    options: tuple[str, ...] = ("A", "B", "C")
    minority_share: float = 0.25
    majority_rates: tuple[float, ...] = (0.12, 0.05, 0.07)
    minority_rates: tuple[float, ...] = (0.04, 0.15, 0.07)
    customer_lift: float = 1.3
    season_amplitude: float = 0.2  # rates x (1 + amplitude x cos(day-of-year angle))
    restricted_option: str | None = "C"
    restricted_share: float = 0.2  # share of people for whom the restricted option is not eligible

    def __post_init__(self) -> None:
        k = len(self.options)
        if len(self.majority_rates) != k or len(self.minority_rates) != k:
            raise ValueError("one majority and one minority rate per option")
        if self.restricted_option is not None and self.restricted_option not in self.options:
            raise ValueError("the restricted option must be one of the options")


@dataclass(frozen=True, kw_only=True)
class Population:
    """One row per person, in the order their decisions arrive."""

    contexts: list[dict[str, object]]
    rates: np.ndarray  # (n, k) hidden probability of converting under each option
    eligible: np.ndarray  # (n, k) bool
    minority: np.ndarray  # (n,) bool
    days: np.ndarray  # (n,) decision time, days since the start


def feature_spec() -> FeatureSpec:
    """The features the adaptive policy sees (as a marketer would declare them)."""
    return FeatureSpec(
        fields=(
            Categorical(name="persona", vocabulary=MAJORITY_PERSONAS + MINORITY_PERSONAS),
            Categorical(name="country", buckets=8),
            Categorical(name="industry", vocabulary=INDUSTRIES),
            Categorical(name="lifecycle_stage", vocabulary=STAGES),
            Categorical(name="grade", vocabulary=GRADES),
            Numeric(name="band", center=3.0, scale=2.0),
            Numeric(name="engagement", center=0.5, scale=0.5),
            Numeric(name="visits_30d", center=3.0, scale=3.0),
            Flag(name="newsletter"),
            Memberships(name="segments", vocabulary=SEGMENTS),
            DayOfYear(name="day_of_year"),
        )
    )


STAGE_SHARES = (0.4, 0.25, 0.15, 0.2)


def _contexts(
    *, rng: np.random.Generator, minority: np.ndarray, days_of_year: np.ndarray
) -> list[dict[str, object]]:
    """Everyone's context; persona marks the minority, the rest is spread independently."""
    size = len(minority)
    draws = {
        "majority": rng.integers(len(MAJORITY_PERSONAS), size=size),
        "minority": rng.integers(len(MINORITY_PERSONAS), size=size),
        "country": rng.integers(len(COUNTRIES), size=size),
        "industry": rng.integers(len(INDUSTRIES), size=size),
        "stage": rng.choice(len(STAGES), size=size, p=STAGE_SHARES),
        "grade": rng.integers(len(GRADES), size=size),
        "band": rng.integers(1, 6, size=size),
        "visits": rng.poisson(3.0, size=size),
        "newsletter": rng.random(size) < 0.5,
        "segments": rng.random((size, len(SEGMENTS))) < 0.3,
    }
    engagement = rng.random(size)
    columns = {name: values.tolist() for name, values in draws.items()}
    return [
        {
            "persona": MINORITY_PERSONAS[columns["minority"][i]]
            if minority[i]
            else MAJORITY_PERSONAS[columns["majority"][i]],
            "country": COUNTRIES[columns["country"][i]],
            "industry": INDUSTRIES[columns["industry"][i]],
            "lifecycle_stage": STAGES[columns["stage"][i]],
            "grade": GRADES[columns["grade"][i]],
            "band": columns["band"][i],
            "engagement": float(engagement[i]),
            "visits_30d": columns["visits"][i],
            "newsletter": columns["newsletter"][i],
            "segments": [s for s, on in zip(SEGMENTS, columns["segments"][i], strict=True) if on],
            "day_of_year": int(days_of_year[i]),
        }
        for i in range(size)
    ]


def make_population(
    *, scenario: Scenario, size: int, horizon_days: float, start: date, seed: int
) -> Population:
    """``size`` people, each deciding once at a uniform time within the horizon."""
    rng = np.random.default_rng(seed)
    k = len(scenario.options)
    days = np.sort(rng.uniform(0.0, horizon_days, size))
    minority = rng.random(size) < scenario.minority_share
    eligible = np.ones((size, k), dtype=bool)
    if scenario.restricted_option is not None:
        column = scenario.options.index(scenario.restricted_option)
        eligible[:, column] = rng.random(size) >= scenario.restricted_share
    days_of_year = np.array(
        [(start + timedelta(days=float(d))).timetuple().tm_yday for d in days], dtype=np.int64
    )
    contexts = _contexts(rng=rng, minority=minority, days_of_year=days_of_year)
    # The hidden rates: the group's rate per option, scaled by stage, engagement and season.
    customer = np.array([c["lifecycle_stage"] == "customer" for c in contexts])
    engagement = np.array([c["engagement"] for c in contexts], dtype=np.float64)
    season = 1.0 + scenario.season_amplitude * np.cos(2 * np.pi * (days_of_year - 1) / 365.25)
    lift = np.where(customer, scenario.customer_lift, 1.0) * (0.8 + 0.4 * engagement) * season
    base = np.where(
        minority[:, None], np.array(scenario.minority_rates), np.array(scenario.majority_rates)
    )
    rates = np.clip(base * lift[:, None], 0.0, 1.0)
    return Population(
        contexts=contexts, rates=rates, eligible=eligible, minority=minority, days=days
    )
