from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import ALL_TOPICS, Basis, Status
from cadence.consent.state import fold, row_to_record, state_from_records

from .model import model_of
from .strategies import CONFIG, T0, days, entry, hours, ledgers, row, state_of


@given(ledgers(contact_ids=(1, 2)), st.randoms(use_true_random=False))
def test_folding_does_not_depend_on_arrival_order(
    entries: list[LedgerEntry], shuffler: random.Random
) -> None:
    distinct = list({item.at: item for item in entries}.values())
    shuffled = list(distinct)
    shuffler.shuffle(shuffled)
    assert fold(entries=shuffled, config=CONFIG) == fold(entries=distinct, config=CONFIG)


@settings(max_examples=400)
@given(ledgers(contact_ids=(1, 2)), st.integers(-24, 24 * 260))
def test_the_fold_matches_the_model_for_every_channel_and_topic(
    entries: list[LedgerEntry], offset_hours: int
) -> None:
    state = fold(entries=entries, config=CONFIG)
    at = T0 + hours(offset_hours)
    for channel in CONFIG.channels:
        for topic in (*CONFIG.topics, ALL_TOPICS):
            model = model_of(entries, channel=channel, topic=topic, config=CONFIG)
            found = state.row_for(channel=channel, topic=topic)
            if model.status is None:
                assert found is None
                continue
            assert found is not None
            assert found.status_at(at=at) is model.effective(at)
            assert found.frequency is model.frequency
            assert found.paused_until == model.paused_until
            assert found.expires_at == model.until
            assert (found.confirmed_at is not None) == model.confirmed
            assert found.basis is (None if model.status is Status.WITHDRAWN else model.basis)


# --- storage mapping --------------------------------------------------------------------------


@given(ledgers(contact_ids=(1,)))
def test_table_records_round_trip_what_the_gate_needs(entries: list[LedgerEntry]) -> None:
    state = fold(entries=entries, config=CONFIG)
    records = [row_to_record(contact_id=1, row=item) for item in state.rows.values()]
    restored = state_from_records(records=records)
    assert set(restored.rows) == set(state.rows)
    for key, item in state.rows.items():
        back = restored.rows[key]
        assert (back.status, back.basis, back.frequency) == (
            item.status,
            item.basis,
            item.frequency,
        )
        assert (back.paused_until, back.expires_at) == (item.paused_until, item.expires_at)


def test_table_records_accept_datetimes() -> None:
    record = row_to_record(contact_id=1, row=row(state_of(entry(at=T0, basis=Basis.IMPLIED))))
    record["updated_at"] = datetime.fromtimestamp(T0 / 1000, tz=UTC)
    record["expires_at"] = datetime.fromtimestamp((T0 + days(30)) / 1000, tz=UTC)
    restored = row(state_from_records(records=[record]))
    assert (restored.updated_at, restored.expires_at) == (T0, T0 + days(30))


def test_next_change_is_the_earliest_lapse_or_pause_end() -> None:
    state = state_of(
        entry(at=T0, basis=Basis.IMPLIED, topic="news"),
        entry(at=T0, topic="offers", paused_until=T0 + days(10)),
    )
    assert state.next_change_at(after=T0) == T0 + days(10)
    assert state.next_change_at(after=T0 + days(10)) == T0 + days(30)
    assert state.next_change_at(after=T0 + days(30)) is None
