"""Identifiers: unique by construction, stable, and unrelated across kinds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from cadence.demo import ids


def test_user_ids_are_unique_and_unrelated_to_product_ids() -> None:
    crm = [ids.user_id(seed=7, contact=i) for i in range(200_000)]
    app = [ids.app_user_id(seed=7, contact=i) for i in range(200_000)]
    assert len(set(crm)) == len(crm) and len(set(app)) == len(app)
    shared = sum(a[-12:-4] == c[-12:-4] for a, c in zip(app, crm, strict=True))
    assert shared < 5
    assert ids.user_id(seed=8, contact=0) != crm[0]


def test_message_ids_are_uuids_and_stable() -> None:
    first = ids.message_id(seed=7, visitor="c1", seq=0)
    assert uuid.UUID(first).version == 4
    assert first == ids.message_id(seed=7, visitor="c1", seq=0)
    assert first != ids.message_id(seed=7, visitor="c1", seq=1)
    assert first != ids.message_id(seed=7, visitor="c10", seq=0)


def test_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    millis = ids.to_micros(moment) // 1000
    assert ids.iso_millis(millis) == "2025-03-29T23:30:15.123+00:00"
    assert datetime.fromisoformat(ids.iso_millis(millis)) <= moment.astimezone(UTC)
