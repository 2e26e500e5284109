import numpy as np
import pytest

from cadence.scoring.config import ScoringConfig
from cadence.scoring.decay import ScoreState, band_of, next_band_change, value_at
from cadence.scoring.rebuild import (
    NEVER,
    Rebuilt,
    bands_of,
    match_pairs,
    next_band_changes,
    pairs_from_masks,
    rebuild_scores,
)
from cadence.scoring.rules import Event, apply_delta, score_delta

from .factories import DAY, HOUR, close, direct_score, direct_terms, event, ms, scoring

CONFIG = scoring()
NOW = ms("2024-06-01T00:00")


def rebuild(config: ScoringConfig, histories: list[list[Event]], now: int = NOW) -> Rebuilt:
    """Rebuild from per-contact histories, matching in Python."""
    events = [item for history in histories for item in history]
    owners = np.array([i for i, history in enumerate(histories) for _ in history], dtype=np.int64)
    event_index, rule_index = match_pairs(config=config, events=events)
    times = np.array([item.ts for item in events], dtype=np.int64).reshape(-1)
    return rebuild_scores(
        config=config,
        n_contacts=len(histories),
        contact=owners[event_index] if events else [],
        ts=times[event_index] if events else [],
        rule=rule_index,
        now=now,
    )


def history() -> list[Event]:
    day = ms("2024-05-20T00:00")
    return [
        event("Page Viewed", day - 400 * DAY, path="/pricing"),  # more than a year ago
        event("Page Viewed", day, path="/pricing"),
        event("Page Viewed", day, path="/blog"),
        event("Whitepaper Downloaded", day + HOUR),
        *(event("Email Clicked", day + h * HOUR) for h in (9, 3, 7, 5, 1)),  # 2 capped
        event("Email Clicked", day + DAY + 1),
        event("Unsubscribed", day + 3 * DAY),
    ]


def test_rebuild_gives_the_direct_formula_and_the_incremental_numbers() -> None:
    events = history()
    result = rebuild(CONFIG, [events, [], events[4:9]])
    assert result.as_of.tolist() == [NOW, NOW, NOW]
    for contact, mine in enumerate([events, [], events[4:9]]):
        expected = direct_score(config=CONFIG, events=mine, t=NOW)
        assert close(
            result.score[contact], expected, terms=direct_terms(config=CONFIG, events=mine, t=NOW)
        )
    state = ScoreState()
    for item in reversed(events):  # one by one, newest first
        delta = score_delta(
            config=CONFIG, arrived=[item], earlier=[e for e in events if e.ts > item.ts]
        )
        state = apply_delta(state=state, delta=delta, half_life_ms=CONFIG.half_life_ms)
    incremental = value_at(state=state, t=NOW, half_life_ms=CONFIG.half_life_ms)
    assert incremental == pytest.approx(result.score[0], rel=1e-12)


def test_changing_the_rules_rescores_everybody() -> None:
    events = history()
    before = rebuild(CONFIG, [events])
    changed = scoring(
        rules=[
            {
                "key": "pricing-visit",
                "event": "Page Viewed",
                "where": {"path": "/pricing"},
                "points": 15,
            },
            {"key": "any-page", "event": "Page Viewed", "points": 1, "max_per_day": 1},
            {"key": "email-click", "event": "Email Clicked", "points": 5, "max_per_day": 1},
        ],
    )
    after = rebuild(changed, [events])
    expected = direct_score(config=changed, events=events, t=NOW)
    assert after.score[0] == pytest.approx(expected, rel=1e-12)
    assert after.score[0] != pytest.approx(before.score[0])
    decayed = 2 ** (-(NOW - ms("2024-05-20T00:00")) / (30 * DAY))
    by_hand = 15 * (decayed + 2 ** (-(NOW - ms("2023-04-16T00:00")) / (30 * DAY)))
    by_hand += 1 * (decayed + 2 ** (-(NOW - ms("2023-04-16T00:00")) / (30 * DAY)))
    by_hand += 5 * (decayed * 2 ** (HOUR / (30 * DAY)) + decayed * 2 ** ((DAY + 1) / (30 * DAY)))
    assert after.score[0] == pytest.approx(by_hand, rel=1e-12)


def test_future_dated_events_move_as_of_like_incremental_scoring() -> None:
    events = [event("Whitepaper Downloaded", NOW - DAY), event("Whitepaper Downloaded", NOW + DAY)]
    result = rebuild(CONFIG, [events, events[:1]])
    assert result.as_of.tolist() == [NOW + DAY, NOW]
    state = apply_delta(
        state=ScoreState(),
        delta=score_delta(config=CONFIG, arrived=events),
        half_life_ms=CONFIG.half_life_ms,
    )
    assert (result.score[0], int(result.as_of[0])) == (pytest.approx(state.score), state.as_of)


def test_no_decay_sums_the_points() -> None:
    config = scoring(half_life_days=None)
    result = rebuild(config, [history()])
    assert result.score.tolist() == [10 + 10 + 25 + 3 * 5 + 5 - 30]


def test_long_histories_with_many_contacts_are_ranked_in_contact_ranges() -> None:
    config = scoring(
        half_life_days=36500, rules=[{"key": "c", "event": "E", "points": 1, "max_per_day": 2}]
    )
    n_contacts = 1 << 22  # with 2**16 days of history the key no longer fits in one range
    contacts = np.array([0, 0, 0, n_contacts - 1, n_contacts - 1, n_contacts - 1, 5, 5])
    first = ms("1900-01-01T00:00")
    late = first + (1 << 16) * DAY
    times = np.array([first + 3, first + 1, first + 2, late + 5, late + 1, late + 5, late, first])
    result = rebuild_scores(
        config=config,
        n_contacts=n_contacts,
        contact=contacts,
        ts=times,
        rule=np.zeros(8),
        now=late + 10,
    )
    half_life = 36500 * DAY
    assert result.score[0] == pytest.approx(2 * 2 ** (-(late + 10 - first) / half_life), rel=1e-12)
    assert result.score[n_contacts - 1] == pytest.approx(
        2 ** (-9 / half_life) + 2 ** (-5 / half_life)
    )
    assert result.score[5] == pytest.approx(
        2 ** (-10 / half_life) + 2 ** (-(late + 10 - first) / half_life)
    )
    assert np.count_nonzero(result.score) == 3


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="one entry per"):
        rebuild_scores(config=CONFIG, n_contacts=1, contact=[0], ts=[1, 2], rule=[0], now=0)
    with pytest.raises(ValueError, match=r"contact indexes must lie in \[0, 1\)"):
        rebuild_scores(config=CONFIG, n_contacts=1, contact=[1], ts=[1], rule=[0], now=0)
    with pytest.raises(ValueError, match=r"rule indexes must lie in \[0, 4\)"):
        rebuild_scores(config=CONFIG, n_contacts=1, contact=[0], ts=[1], rule=[4], now=0)
    empty = rebuild_scores(config=CONFIG, n_contacts=2, contact=[], ts=[], rule=[], now=7)
    assert empty.score.tolist() == [0, 0]
    assert empty.as_of.tolist() == [7, 7]


def test_pairs_from_a_match_matrix() -> None:
    masks = [[True, False, True], [False, False, False], [False, True, False]]
    events, rules = pairs_from_masks(masks=masks)
    assert events.tolist() == [0, 0, 2]
    assert rules.tolist() == [0, 2, 1]
    events, rules = match_pairs(config=CONFIG, events=[event("Nothing", 0)])
    assert events.size == rules.size == 0


def test_bands_of_an_array_agrees_with_band_of() -> None:
    bands = CONFIG.bands
    scores = [1e9, 80, 79.999, 50, 25, 24.9, 10, 9.999, 0, -1]
    assert bands_of(scores=scores, bands=bands).tolist() == [
        band_of(score=s, bands=bands) for s in scores
    ]


def test_next_band_changes_agree_with_the_scalar_closed_form() -> None:
    half_life = 30 * DAY
    bands = (10.0, 0.0, -10.0, -20.0)
    rebuilt = Rebuilt(
        score=np.array([160.0, 9.0, 0.0, -40.0, -5.0, 11.0]),
        as_of=np.array([NOW, NOW, NOW, NOW, NOW, NOW + DAY]),
    )
    found = next_band_changes(rebuilt=rebuilt, bands=bands, half_life_ms=half_life, now=NOW)
    assert found[3] == NOW + 30 * DAY
    assert found[1] == NEVER and found[2] == NEVER and found[4] == NEVER
    for index in (0, 3):
        state = ScoreState(score=float(rebuilt.score[index]), as_of=NOW)
        scalar = next_band_change(state=state, bands=bands, half_life_ms=half_life, now=NOW)
        assert scalar is not None and abs(int(found[index]) - scalar) <= 1
    # a contact whose as_of is after now (a future-dated event) is counted from as_of
    future = ScoreState(score=11.0, as_of=NOW + DAY)
    assert (
        abs(
            int(found[5])
            - (
                next_band_change(state=future, bands=bands, half_life_ms=half_life, now=NOW + DAY)
                or 0
            )
        )
        <= 1
    )
    none = next_band_changes(rebuilt=rebuilt, bands=bands, half_life_ms=None, now=NOW)
    assert (none == NEVER).all()
