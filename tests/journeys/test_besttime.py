"""Best-time waits: a person's send-time estimate shrinks toward the people like them (a
segment the step names, then the whole population) when they have little history, and
follows their own when they have much. Hand-computed, property-tested, then end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from cadence.db.engine import unit_of_work
from cadence.db.tables import events, sends
from cadence.db.types import from_millis, to_millis
from cadence.decisions.sendtime import (
    HOURS_PER_WEEK,
    HourlyCounts,
    best_send_time,
    counts_by_local_hour,
    engagement_by_hour,
)
from cadence.journeys.besttime import best_time
from cadence.runtime import now_millis
from tests.journeys.helpers import DAY, HOUR, engine_of, new_contact, put_journey

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # 00:00, hour of week 0


def at_hours(values: dict[int, tuple[int, int]]) -> HourlyCounts:
    """(trials, successes) at the given hours of week, zero elsewhere."""
    trials, successes = np.zeros(HOURS_PER_WEEK), np.zeros(HOURS_PER_WEEK)
    for hour, (n, s) in values.items():
        trials[hour], successes[hour] = n, s
    return HourlyCounts(trials=trials, successes=successes)


def choose(engagement: np.ndarray, *, hours: int = 168) -> int:
    """The hour of week chosen in a window of ``hours`` from Monday 00:00 UTC, no quiet hours."""
    chosen = best_send_time(
        engagement=engagement,
        window_start=MONDAY,
        window_end=MONDAY + timedelta(hours=hours),
        time_zone="UTC",
    )
    assert chosen is not None
    return int((chosen - MONDAY) / timedelta(hours=1))


def test_hand_computed_shrinkage_toward_the_population() -> None:
    population = at_hours({10: (100, 20), 15: (100, 10)})
    # overall = (30 + 1) / (200 + 2) = 31/202 = 0.153465
    # population at 10: (20 + 100 * 0.153465) / (100 + 100) = 0.176733
    # population at 15: (10 + 15.3465) / 200 = 0.126733
    overall = 31 / 202
    pop10, pop15 = (20 + 100 * overall) / 200, (10 + 100 * overall) / 200
    nobody = engagement_by_hour(contact=HourlyCounts.empty(), population=population)
    assert nobody[10] == pytest.approx(0.176733, abs=1e-6)
    assert nobody[15] == pytest.approx(0.126733, abs=1e-6)
    assert nobody[3] == pytest.approx(overall)  # never reached: the overall rate
    assert choose(nobody) == 10
    # one reply out of two sends at 15: (1 + 10 * 0.126733) / (2 + 10) = 0.188944 > 0.176733
    replied = engagement_by_hour(contact=at_hours({15: (2, 1)}), population=population)
    assert replied[15] == pytest.approx((1 + 10 * pop15) / 12) == pytest.approx(0.188944, abs=1e-6)
    assert replied[10] == pytest.approx(pop10)
    assert choose(replied) == 15
    # no reply out of two: (0 + 1.26733) / 12 = 0.105611, so 10 again
    silent = engagement_by_hour(contact=at_hours({15: (2, 0)}), population=population)
    assert silent[15] == pytest.approx(0.105611, abs=1e-6)
    assert choose(silent) == 10


def test_hand_computed_shrinkage_through_a_segment() -> None:
    population = at_hours({10: (100, 60), 15: (100, 20)})
    segment = at_hours({10: (20, 0), 15: (20, 20)})
    overall = 81 / 202
    pop10, pop15 = (60 + 100 * overall) / 200, (20 + 100 * overall) / 200  # 0.500495, 0.300495
    seg10, seg15 = 50 * pop10 / 70, (20 + 50 * pop15) / 70  # 0.357496, 0.500354
    both = engagement_by_hour(contact=HourlyCounts.empty(), population=population, segment=segment)
    assert (both[10], both[15]) == (pytest.approx(seg10), pytest.approx(seg15))
    assert seg15 == pytest.approx(0.500354, abs=1e-6) and seg10 == pytest.approx(0.357496, abs=1e-6)
    assert choose(both) == 15
    assert choose(engagement_by_hour(contact=HourlyCounts.empty(), population=population)) == 10


rates = st.lists(
    st.integers(min_value=0, max_value=1000), min_size=HOURS_PER_WEEK, max_size=HOURS_PER_WEEK
)


@settings(max_examples=200, deadline=None)
@given(population=rates, window=st.integers(min_value=1, max_value=HOURS_PER_WEEK))
def test_without_personal_data_the_choice_is_the_populations_best_hour(
    population: list[int], window: int
) -> None:
    trials = np.full(HOURS_PER_WEEK, 1000.0)
    counts = HourlyCounts(trials=trials, successes=np.asarray(population, dtype=np.float64))
    engagement = engagement_by_hour(contact=HourlyCounts.empty(), population=counts)
    in_window = population[:window]
    assert choose(engagement, hours=window) == in_window.index(max(in_window))  # earliest on ties


@settings(max_examples=200, deadline=None)
@given(
    population=rates,
    segment=rates,
    mine=rates,
    window=st.integers(min_value=1, max_value=HOURS_PER_WEEK),
)
def test_with_overwhelming_personal_data_the_choice_is_the_persons_best_hour(
    population: list[int], segment: list[int], mine: list[int], window: int
) -> None:
    def counted(successes: list[int], trials: float) -> HourlyCounts:
        scale = trials / 1000
        return HourlyCounts(
            trials=np.full(HOURS_PER_WEEK, trials),
            successes=np.asarray(successes, dtype=np.float64) * scale,
        )

    engagement = engagement_by_hour(
        contact=counted(mine, 1e9),
        population=counted(population, 1000),
        segment=counted(segment, 100),
    )
    chosen = choose(engagement, hours=window)
    assert chosen < window and mine[chosen] == max(mine[:window])  # ties: the group decides


def test_counts_by_local_hour_places_each_hour_in_its_own_zone() -> None:
    monday_10_utc = to_millis(MONDAY + timedelta(hours=10)) // HOUR
    totals = counts_by_local_hour(
        [("UTC", monday_10_utc, 2), ("Asia/Tokyo", monday_10_utc, 3), (None, monday_10_utc, 1)]
    )
    assert (totals[10], totals[19], totals.sum()) == (3, 3, 6)  # Tokyo is UTC+9
    summer = to_millis(datetime(2026, 7, 6, 10, tzinfo=UTC)) // HOUR  # a Monday, CEST
    winter = to_millis(datetime(2026, 12, 7, 10, tzinfo=UTC)) // HOUR  # a Monday, CET
    dst = counts_by_local_hour([("Europe/Paris", summer, 1), ("Europe/Paris", winter, 1)])
    assert (dst[12], dst[11]) == (1, 1)
    assert counts_by_local_hour([("Not/AZone", monday_10_utc, 4)])[10] == 4
    assert counts_by_local_hour([(5, monday_10_utc, 1)])[10] == 1  # type: ignore[list-item]


_ids = count()


def history(client: TestClient, contact_id: int, *, sent: list[int], opened: list[int]) -> None:
    """Past sends and opens of a contact at these UTC hours of each of the last 14 days."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=d) for d in range(1, 15)]
    with unit_of_work(engine_of(client)) as uow:
        uow.conn.execute(
            insert(sends),
            [
                {"contact_id": contact_id, "channel": "email", "topic": "offers", "status": "sent"}
                | {"at": to_millis(day + timedelta(hours=h))}
                for day in days
                for h in sent
            ],
        )
        opens: list[dict[str, Any]] = [
            {
                "message_id": f"open-{next(_ids)}",
                "contact_id": contact_id,
                "type": "track",
                "name": "Email Opened",
                "ts": to_millis(day + timedelta(hours=h, minutes=5)),
                "received_at": to_millis(day + timedelta(hours=h, minutes=5)),
                "properties": {},
            }
            for day in days
            for h in opened
        ]
        if opens:
            uow.conn.execute(insert(events), opens)


def chosen_hour(client: TestClient, contact_id: int, segment: str | None = None) -> int:
    now = now_millis()
    with unit_of_work(engine_of(client)) as uow:
        at = best_time(uow, contact_id=contact_id, now=now, within_ms=2 * DAY, segment=segment)
    assert now <= at < now + 2 * DAY
    return from_millis(at).hour


def test_a_newcomer_gets_the_pattern_of_the_people_like_them(client: TestClient) -> None:
    segment = {
        "key": "night-owls",
        "name": "Night owls",
        "condition": {"field": "traits.owl", "op": "eq", "value": True},
    }
    assert client.post("/api/segments", json=segment).status_code in (200, 201)
    for i in range(6):  # the population answers at 10:00 (UTC)
        person = new_contact(client, f"day{i}@example.com")
        history(client, person, sent=[10, 18], opened=[10])
    for i in range(3):  # the segment's members answer at 18:00
        owl = new_contact(client, f"owl{i}@example.com", owl=True)
        history(client, owl, sent=[10, 18], opened=[18])
    newcomer = new_contact(client, "new@example.com")
    assert chosen_hour(client, newcomer) == 10
    assert chosen_hour(client, newcomer, segment="night-owls") == 18
    regular = new_contact(client, "regular@example.com")  # their own long history wins
    history(client, regular, sent=[10, 14, 18], opened=[14])
    assert chosen_hour(client, regular) == 14
    assert chosen_hour(client, regular, segment="night-owls") == 14


def test_a_best_time_wait_may_name_a_known_segment_only(client: TestClient) -> None:
    def wait(**extra: Any) -> dict[str, Any]:
        return {
            "triggers": [{"manual": True}],
            "steps": [{"id": "when", "type": "wait", **extra}],
        }

    bad = put_journey(client, "w", wait(best_time="1d", segment="nope"), expect=400)
    assert {e["field"]: e["message"] for e in bad["errors"]} == {
        "steps[0].segment": "unknown segment 'nope'"
    }
    bad = put_journey(client, "w", wait(duration="1d", segment="nope"), expect=400)
    assert {e["field"] for e in bad["errors"]} == {"steps[0].segment"}
    assert client.get("/api/journeys").json()["items"] == []
