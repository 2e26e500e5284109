"""Pure parts of insights: features as of a moment, metrics, and each rule's decision."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cadence.insights import cadence, fatigue, incentives, journeys, learn, metrics
from cadence.insights.features import (
    ContactHistory,
    FeatureSpace,
    label,
    prepare,
    rule_score,
    snapshot_rows,
    vector,
)
from cadence.scoring.config import ScoringConfig, ScoringRule
from cadence.scoring.decay import ScoreState
from cadence.scoring.rules import Event, contributions
from cadence.scoring.service import current_score

DAY = 86_400_000
RULES = (
    ScoringRule(key="pricing", event="Page Viewed", points=10, where={"path": "/pricing"}),
    ScoringRule(key="click", event="Email Clicked", points=5, max_per_day=2),
)
SPACE = FeatureSpace(rules=RULES, criteria=("senior",), half_life_ms=30 * DAY)

events = st.lists(
    st.builds(
        Event,
        name=st.sampled_from(["Page Viewed", "Email Clicked", "Other"]),
        ts=st.integers(0, 200 * DAY),
        properties=st.sampled_from([{}, {"path": "/pricing"}, {"path": "/docs"}]),
    ),
    max_size=30,
).map(lambda found: tuple(sorted(found, key=lambda e: e.ts)))


@given(events, events, st.integers(0, 200 * DAY))
def test_features_ignore_everything_after_the_moment(
    before: tuple[Event, ...], later: tuple[Event, ...], at: int
) -> None:
    past = tuple(e for e in before if e.ts <= at)
    future = tuple(Event(e.name, at + 1 + e.ts, e.properties) for e in later)
    only_past = vector(SPACE, prepare(SPACE, ContactHistory(past, fits=(True,))), (True,), at)
    with_future = vector(
        SPACE, prepare(SPACE, ContactHistory(past + future, fits=(True,))), (True,), at
    )
    assert only_past == with_future


@given(events, st.integers(0, 250 * DAY))
def test_the_rule_score_feature_is_the_scoring_score(history: tuple[Event, ...], at: int) -> None:
    config = ScoringConfig(rules=RULES, half_life_days=30)
    counted = [c for c in contributions(config=config, events=history) if c.ts <= at]
    expected = sum(
        current_score(ScoreState(c.points, c.ts), at, config.half_life_ms) for c in counted
    )
    got = rule_score(SPACE, prepare(SPACE, ContactHistory(history)), at)
    assert np.isclose(got, expected, rtol=1e-9, atol=1e-9)


def test_snapshots_leave_out_the_converted_and_the_not_yet_known() -> None:
    known = ContactHistory((Event("Other", 10 * DAY),), converted_at=40 * DAY, fits=(False,))
    late = ContactHistory((Event("Other", 60 * DAY),), fits=(True,))
    data = snapshot_rows(
        space=SPACE, histories={1: known, 2: late}, times=[20 * DAY, 50 * DAY], horizon_ms=30 * DAY
    )
    assert data.contact_ids.tolist() == [1]  # 1 converted before 50; 2 unknown at 20 and 50
    assert data.y.tolist() == [1]
    assert data.x.shape == (1, len(SPACE.names))


def test_features_read_as_sentences() -> None:
    assert label(SPACE, "rule:pricing:30d", 3) == "Page Viewed path=/pricing: 3 in the last 30 days"
    assert label(SPACE, "fit:senior", 1) == "Fits 'senior'"
    assert label(SPACE, "days_since_last", 4.2) == "Last active 4 days ago"


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=200))
def test_reliability_bins_cover_every_row(pairs: list[tuple[bool, float]]) -> None:
    y = np.array([int(a) for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    bins = metrics.reliability(y, p)
    assert sum(n for _, _, n in bins) == len(pairs)
    assert all(0 <= observed <= 1 for _, observed, _ in bins)
    brier = metrics.brier(y, p)
    assert brier is not None and 0 <= brier <= 1


def test_auc_ranks() -> None:
    y = np.array([0, 0, 1, 1])
    assert metrics.auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert metrics.auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert metrics.auc(np.array([1, 1]), np.array([0.1, 0.2])) is None


def test_logistic_contributions_are_exact_log_odds_pushes() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(int)
    model = learn.fit("logistic", np.abs(x), y)
    baseline = np.abs(x).mean(axis=0)
    probability, effects = learn.contributions(model, np.abs(x[:5]), baseline)
    assert effects.shape == (5, 3)
    assert np.all((probability > 0) & (probability < 1))


def test_time_split_never_trains_on_labels_from_after_the_cutoff() -> None:
    at = np.repeat(np.arange(10) * 7 * DAY, 3)
    data = snapshot_rows(space=SPACE, histories={}, times=[], horizon_ms=DAY)
    data = type(data)(
        x=np.zeros((len(at), 1)),
        y=np.zeros(len(at), int),
        at=at,
        score=np.zeros(len(at)),
        contact_ids=np.arange(len(at)),
    )
    split = learn.time_split(data, horizon_ms=30 * DAY)
    assert split.train.any() and split.test.any()
    assert np.all(at[split.train] + 30 * DAY <= split.cutoff)
    assert np.all(at[split.test] >= split.cutoff)


volumes = st.builds(
    cadence.Volume, st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)
)


@given(volumes)
def test_cadence_verdicts(v: cadence.Volume) -> None:
    verdict = cadence.classify(v)
    if v.sent_recent == 0:
        assert verdict is None
    if verdict == "under_served":
        assert v.sent_recent <= cadence.LIGHT and v.engaged_recent >= v.sent_recent
    if verdict == "saturated":
        assert v.sent_recent >= cadence.RISE * v.sent_before or v.engaged_recent == 0


def test_cadence_examples() -> None:
    assert cadence.classify(cadence.Volume(4, 4, 12, 1)) == "saturated"  # more mail, less reply
    assert cadence.classify(cadence.Volume(0, 0, 10, 0)) == "saturated"  # heavy, silent
    assert cadence.classify(cadence.Volume(2, 2, 2, 3)) == "under_served"
    assert cadence.classify(cadence.Volume(4, 2, 4, 2)) == "on_target"


@given(st.integers(1, 500), st.integers(0, 500), st.integers(0, 50))
def test_no_fatigue_without_more_volume(recipients: int, sent: int, left: int) -> None:
    before = fatigue.Period(recipients, sent, 0)
    recent = fatigue.Period(recipients, int(sent * 1.2), min(left, recipients))
    if sent > 0:
        assert not fatigue.fatigued(before, recent)


def test_fatigue_example() -> None:
    assert fatigue.fatigued(fatigue.Period(100, 200, 1), fatigue.Period(100, 400, 6))
    assert not fatigue.fatigued(fatigue.Period(100, 200, 1), fatigue.Period(100, 400, 2))


@given(st.integers(1, 400), st.integers(0, 400))
def test_an_incentive_never_beats_itself(views: int, opt_ins: int) -> None:
    arm = incentives.Arm(views, min(views, opt_ins))
    assert not incentives.beats(arm, arm)


def test_incentive_example() -> None:
    assert incentives.beats(incentives.Arm(200, 60), incentives.Arm(200, 20))
    assert not incentives.beats(incentives.Arm(20, 10), incentives.Arm(200, 20))  # too few views


def test_starved_options() -> None:
    assert journeys.starved({"a": 190, "b": 8}, {"a": 50, "b": 1}, ["a", "b"]) == [("b", 8 / 198)]
    assert journeys.starved({"a": 50, "b": 2}, {}, ["a", "b"]) == []  # too few decisions
