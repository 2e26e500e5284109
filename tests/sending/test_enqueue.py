"""The sending service under the contact policy: caps defer or drop, priorities compete,
quiet hours and the sunset hold messages back, deferred sends come back through the
scheduler, and a send is booked at most once per idempotency key."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from cadence.config import Settings
from cadence.db.bulk import millis
from cadence.db.engine import unit_of_work
from cadence.db.tables import contacts, gate_decisions, send_jobs, sends
from cadence.scheduler import run_until_idle
from cadence.sending.service import enqueue
from tests.campaigns.factory import WORKSPACE, Mailbox, apply
from tests.consent.apihelp import consent, engine_of, new_contact

POLICY = """
policy:
  caps:
    - {channel: email, max: 2, per_days: 7}
  quiet_hours: {start: "21:00", end: "08:00"}
  min_gap_hours: 1
  sunset: {after_days: 90, max: 1, per_days: 30, stop_after_days: 180, message: still-there}
"""
NOON = int(datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp() * 1000)
HOUR = 3_600_000
DAY = 24 * HOUR


def opted_in(client: TestClient, email: str, **traits: object) -> int:
    cid = new_contact(client, email, **traits)
    for topic in ("offers", "news"):
        consent(client, cid, channel="email", topic=topic)
    return cid


def put(client: TestClient, cid: int, key: str, source: str, at: int) -> dict[str, object]:
    with unit_of_work(engine_of(client)) as uow:
        done = enqueue(
            uow,
            contact_id=cid,
            message_key=key,
            source=source,
            idempotency_key=source + str(cid),
            at=at,
        )
    return {"status": done.status, "reason": done.reason, "retry_at": done.retry_at}


def states(client: TestClient, cid: int) -> list[tuple[str, str, str | None]]:
    j = send_jobs.c
    with engine_of(client).connect() as conn:
        rows = conn.execute(
            select(j.source, j.state, j.reason).where(j.contact_id == cid).order_by(j.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_caps_defer_then_the_scheduler_sends_when_allowed(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE + POLICY)
    cid = opted_in(mail_client, "fay@example.org")
    assert put(mail_client, cid, "spring", "a", NOON)["status"] == "queued"
    assert put(mail_client, cid, "spring", "b", NOON + 2 * HOUR)["status"] == "queued"
    third = put(mail_client, cid, "spring", "c", NOON + 3 * HOUR)
    assert third == {"status": "deferred", "reason": "cap", "retry_at": NOON + 7 * DAY}
    assert put(mail_client, cid, "spring", "a", NOON)["status"] == "duplicate"
    engine = engine_of(mail_client)
    run_until_idle(engine, now=NOON + 3 * HOUR, settings=mail_settings)
    assert mailbox.recipients() == ["fay@example.org"] * 2
    run_until_idle(engine, now=NOON + 7 * DAY + HOUR, settings=mail_settings)
    assert len(mailbox.recipients()) == 3
    assert [s for _, s, _ in states(mail_client, cid)] == ["sent", "sent", "sent"]


def test_a_higher_priority_message_takes_the_slot_of_a_queued_lower_one(
    mail_client: TestClient, mail_settings: Settings, mailbox: Mailbox
) -> None:
    apply(mail_client, WORKSPACE + POLICY)
    cid = opted_in(mail_client, "gil@example.org")
    put(mail_client, cid, "spring", "low-1", NOON)
    put(mail_client, cid, "spring", "low-2", NOON + 2 * HOUR)
    assert put(mail_client, cid, "launch", "high", NOON + 3 * HOUR)["status"] == "queued"
    assert states(mail_client, cid) == [
        ("low-1", "queued", None),
        ("low-2", "deferred", "priority"),
        ("high", "queued", None),
    ]
    g = gate_decisions.c
    with engine_of(mail_client).connect() as conn:
        logged = conn.execute(select(g.reason, g.detail).where(g.reason == "priority")).all()
    assert logged == [("priority", "gave way to 'launch' (priority 9)")]
    put(mail_client, cid, "launch", "high-2", NOON + 4 * HOUR)
    # equal priorities do not move each other; "launch" drops (on_limit) rather than defer
    put(mail_client, cid, "launch", "high-3", NOON + 5 * HOUR)
    assert states(mail_client, cid) == [
        ("low-1", "deferred", "priority"),
        ("low-2", "deferred", "priority"),
        ("high", "queued", None),
        ("high-2", "queued", None),
        ("high-3", "dropped", "cap"),
    ]


def test_quiet_hours_follow_the_contacts_time_zone(mail_client: TestClient) -> None:
    apply(mail_client, WORKSPACE + POLICY)
    tokyo = opted_in(mail_client, "hana@example.org", timezone="Asia/Tokyo")
    paris = opted_in(mail_client, "ines@example.org", timezone="Europe/Paris")
    assert put(mail_client, tokyo, "spring", "x", NOON) == {
        "status": "deferred",
        "reason": "quiet_hours",
        "retry_at": NOON + 11 * HOUR,
    }  # 21:00 in Tokyo; 08:00 there is 23:00 UTC
    assert put(mail_client, paris, "spring", "x", NOON)["status"] == "queued"
    assert put(mail_client, paris, "spring", "y", NOON + HOUR // 2) == {
        "status": "deferred",
        "reason": "min_gap",
        "retry_at": NOON + HOUR,
    }


def test_the_sunset_stops_mail_and_sends_one_last_question(mail_client: TestClient) -> None:
    apply(mail_client, WORKSPACE + POLICY)
    cid = opted_in(mail_client, "jo@example.org")
    with unit_of_work(engine_of(mail_client)) as uow:
        uow.conn.execute(
            update(contacts).where(contacts.c.id == cid).values(last_response_at=NOON - 200 * DAY)
        )
    assert put(mail_client, cid, "spring", "camp", NOON) == {
        "status": "blocked",
        "reason": "sunset",
        "retry_at": None,
    }
    assert put(mail_client, cid, "spring", "camp-2", NOON + DAY)["reason"] == "sunset"
    assert states(mail_client, cid) == [
        ("camp", "blocked", "sunset"),
        ("policy:sunset", "queued", None),
        ("camp-2", "blocked", "sunset"),  # the last question is asked once
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # which contact
            st.sampled_from(["spring", "launch"]),
            st.integers(0, 20 * 24),  # hour
        ),
        min_size=1,
        max_size=15,
    )
)
def test_no_sequence_of_enqueues_breaks_consent_or_a_cap(
    mail_client: TestClient, calls: list[tuple[int, str, int]]
) -> None:
    """Whatever is enqueued in whatever order, the booked sends respect every cap and gap
    and go only to contacts whose consent covers them."""
    if not mail_client.get("/api/config").json().get("policy"):
        apply(mail_client, WORKSPACE + POLICY)
    run = new_contact(mail_client, "probe@example.org")  # a fresh set of contacts per example
    people = [run + 1, run + 2, run + 3]
    for index, cid in enumerate(people):
        assert new_contact(mail_client, f"p{cid}@example.org") == cid
        if index:  # the first one never opted in
            consent(mail_client, cid, channel="email", topic="offers")
        if index == 2:
            consent(mail_client, cid, channel="email", topic="news")
    for n, (who, key, hour) in enumerate(calls):
        put(mail_client, people[who], key, f"prop-{run}-{n}-", NOON + hour * HOUR)
    s = sends.c
    with engine_of(mail_client).connect() as conn:
        booked = conn.execute(
            select(s.contact_id, s.topic, millis(s.at)).where(
                s.contact_id.in_(people), s.status == "queued"
            )
        ).all()
    assert all(cid != people[0] for cid, _, _ in booked)
    assert all(topic == "offers" or cid == people[2] for cid, topic, _ in booked)
    for cid in people:
        times = sorted(int(at) for c, _, at in booked if c == cid)
        assert all(b - a >= HOUR for a, b in itertools.pairwise(times))
        for i, start in enumerate(times):
            assert sum(1 for t in times[i:] if t < start + 7 * DAY) <= 2
        for at in times:
            hour = datetime.fromtimestamp(at / 1000, tz=UTC).hour
            assert 8 <= hour < 21
