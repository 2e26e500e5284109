from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.consent.ledger import (
    GENESIS,
    HASHED_FIELDS,
    LedgerEntry,
    LedgerError,
    canonical,
    chain,
    compute_hash,
    from_record,
    to_record,
    validate_entry,
    verify,
)
from cadence.consent.models import Action, Basis, Frequency, Source

from .strategies import CONFIG, T0, entry, ledgers


def tampered(original: LedgerEntry, name: str, data: st.DataObject) -> LedgerEntry:
    """A copy with one field changed in place, the way an edit in the database would."""
    value = getattr(original, name)
    replacement: Any
    if name in ("hash", "prev_hash"):
        digit = "1" if value[0] == "0" else "0"
        replacement = digit + value[1:]
    elif isinstance(value, Action | Basis | Source | Frequency):
        replacement = data.draw(st.sampled_from([item for item in type(value) if item != value]))
    elif isinstance(value, int):
        replacement = value + data.draw(st.sampled_from([-1, 1, 1000]))
    elif isinstance(value, str):
        replacement = value + data.draw(st.sampled_from([" ", "x", "\u00e9"]))
    elif name in ("basis",):
        replacement = Basis.IMPLIED
    elif name == "frequency":
        replacement = Frequency.DAILY
    elif name in ("expires_at", "paused_until"):
        replacement = original.at + 1
    else:
        replacement = "added"
    changed = copy.copy(original)
    object.__setattr__(changed, name, replacement)
    return changed


def test_every_field_but_the_hash_is_hashed() -> None:
    names = {field.name for field in dataclasses.fields(LedgerEntry)}
    assert set(HASHED_FIELDS) == names - {"hash"}


def test_canonical_serialisation_is_stable() -> None:
    # stored hashes depend on these exact bytes: change them only with a new CHAIN_VERSION
    sealed = chain(entries=[entry(wording="Oui \u00e0 l'infolettre", ip="10.0.0.1")])[0]
    assert canonical(entry=sealed) == (
        b'{"action":"granted","at":1700000000000,"basis":"express","channel":"sms",'
        b'"contact_id":1,"expires_at":null,"frequency":null,"ip":"10.0.0.1",'
        b'"paused_until":null,"prev_hash":"' + GENESIS.encode() + b'","source":"form",'
        b'"topic":"news","user_agent":null,"v":1,"wording":"Oui \\u00e0 l\'infolettre"}'
    )
    assert sealed.hash == "42666c966bb164e407a145d328f5ffa8161a91206a2517715b8ad18208e00042"
    assert sealed.hash == compute_hash(entry=sealed)


def test_chain_links_each_contact_separately() -> None:
    entries = [
        entry(contact_id=1, at=T0),
        entry(contact_id=2, at=T0 + 1),
        entry(Action.WITHDRAWN, contact_id=1, at=T0 + 2),
    ]
    sealed = chain(entries=entries)
    assert sealed[0].prev_hash == GENESIS
    assert sealed[1].prev_hash == GENESIS
    assert sealed[2].prev_hash == sealed[0].hash
    assert all(item.sealed for item in sealed)
    assert verify(entries=sealed) is None


def test_appending_continues_from_the_stored_head() -> None:
    stored = chain(entries=[entry(at=T0)])
    appended = chain(entries=[entry(Action.WITHDRAWN, at=T0 + 5)], heads={1: str(stored[0].hash)})
    assert appended[0].prev_hash == stored[0].hash
    assert verify(entries=stored + appended) is None
    assert verify(entries=appended) == 0  # without the head it does not start a chain
    assert verify(entries=appended, heads={1: str(stored[0].hash)}) is None


def test_unsealed_entries_do_not_verify() -> None:
    assert verify(entries=[entry()]) == 0


@given(ledgers(min_size=1, contact_ids=(1, 2)), st.data())
def test_any_single_field_tampering_is_detected(
    entries: list[LedgerEntry], data: st.DataObject
) -> None:
    sealed = chain(entries=entries)
    assert verify(entries=sealed) is None
    index = data.draw(st.integers(0, len(sealed) - 1))
    name = data.draw(st.sampled_from([*HASHED_FIELDS, "hash"]))
    broken = list(sealed)
    broken[index] = tampered(sealed[index], name, data)
    assert verify(entries=broken) == index


@given(ledgers(min_size=3, contact_ids=(1,)), st.data())
def test_removing_or_reordering_entries_is_detected(
    entries: list[LedgerEntry], data: st.DataObject
) -> None:
    sealed = chain(entries=entries)
    index = data.draw(st.integers(0, len(sealed) - 2))
    removed = sealed[:index] + sealed[index + 1 :]
    assert verify(entries=removed) == index
    swapped = list(sealed)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    assert verify(entries=swapped) == index


@given(ledgers(min_size=1, contact_ids=(1, 2)))
def test_records_round_trip(entries: list[LedgerEntry]) -> None:
    sealed = chain(entries=entries)
    restored = [from_record(record={"id": 7, **to_record(entry=item)}) for item in sealed]
    assert restored == sealed
    assert verify(entries=restored) is None


def test_records_accept_datetimes_from_millis_columns() -> None:
    record = to_record(entry=entry(at=T0, expires_at=T0 + 1000))
    record["at"] = datetime.fromtimestamp(T0 / 1000, tz=UTC)
    record["expires_at"] = datetime.fromtimestamp((T0 + 1000) / 1000, tz=UTC)
    restored = from_record(record=record)
    assert (restored.at, restored.expires_at) == (T0, T0 + 1000)


def test_strings_are_read_as_the_vocabulary() -> None:
    item = from_record(record=to_record(entry=entry(frequency=Frequency.WEEKLY)))
    assert item.action is Action.GRANTED
    assert item.source is Source.FORM
    assert item.basis is Basis.EXPRESS
    assert item.frequency is Frequency.WEEKLY


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        (Action.GRANTED, {"source": Source.BOUNCE}, "cannot record granted"),
        (Action.GRANTED, {"source": Source.ONE_CLICK_UNSUBSCRIBE}, "cannot record granted"),
        (Action.CONFIRMED, {"source": Source.PREFERENCE_CENTER}, "cannot record confirmed"),
        (Action.CONFIRMED, {"source": Source.API}, "cannot record confirmed"),
        (Action.EXPIRED, {"source": Source.API}, "cannot record expired"),
        (Action.GRANTED, {"basis": None}, "basis: required"),
        (Action.PENDING, {"basis": None}, "basis: required"),
        (Action.WITHDRAWN, {"basis": Basis.EXPRESS}, "basis: not allowed"),
        (Action.WITHDRAWN, {"frequency": Frequency.DAILY}, "frequency: not allowed"),
        (Action.EXPIRED, {"paused_until": T0 + 1}, "paused_until: not allowed"),
        (Action.GRANTED, {"expires_at": T0}, "expires_at: must be after at"),
        (Action.GRANTED, {"source": "fax"}, "source: unknown value"),
        (Action.GRANTED, {"frequency": "hourly"}, "frequency: unknown value"),
        (Action.GRANTED, {"at": "yesterday"}, "at: must be an integer"),
        (Action.GRANTED, {"at": True}, "at: must be an integer"),
        (Action.GRANTED, {"channel": ""}, "channel:"),
        (Action.GRANTED, {"topic": "t" * 65}, "topic:"),
        (Action.GRANTED, {"hash": "abc"}, "hash: must be 64"),
    ],
)
def test_entries_that_cannot_be_evidence_are_refused(
    action: Action, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(LedgerError, match=message):
        entry(action, **fields)


def test_unknown_actions_are_refused() -> None:
    with pytest.raises(LedgerError, match="action: unknown value 'liked'"):
        from_record(record={**to_record(entry=entry()), "action": "liked"})


def test_unsupported_record_columns_are_a_ledger_error() -> None:
    with pytest.raises(LedgerError):
        from_record(record={"channel": "sms"})


def test_validate_entry_against_the_workspace() -> None:
    validate_entry(entry=entry(topic="*"), config=CONFIG)
    with pytest.raises(LedgerError, match="unknown channel 'fax'"):
        validate_entry(entry=entry(channel="fax"), config=CONFIG)
    with pytest.raises(LedgerError, match="unknown topic 'cats'"):
        validate_entry(entry=entry(topic="cats"), config=CONFIG)
    narrow = dataclasses.replace(CONFIG, frequencies=(Frequency.WEEKLY,))
    with pytest.raises(LedgerError, match="daily is not offered"):
        validate_entry(entry=entry(frequency=Frequency.DAILY), config=narrow)
