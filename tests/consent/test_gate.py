from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cadence.consent.gate import Allowed, Blocked, Decision, Reason, check, next_free
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import (
    ALL_TOPICS,
    FREQUENCY_WINDOW_MS,
    Action,
    Basis,
    Frequency,
    Source,
    Status,
)
from cadence.consent.state import ContactConsent, fold

from .model import model_of
from .strategies import CONFIG, T0, Scenario, days, entry, hours, scenarios


def decide(
    *entries: LedgerEntry,
    at: int,
    channel: str = "sms",
    topic: str = "news",
    suppressed: bool = False,
    sends: Sequence[int] = (),
) -> Decision:
    return check(
        consent_state=fold(entries=entries, config=CONFIG),
        suppressed=suppressed,
        recent_sends=sends,
        channel=channel,
        topic=topic,
        at=at,
        config=CONFIG,
    )


def reason(decision: Decision) -> Reason:
    assert isinstance(decision, Blocked), decision
    return decision.reason


# --- every way around the gate ------------------------------------------------------------------


def test_a_granted_consent_allows_and_names_the_row() -> None:
    decision = decide(entry(at=T0), at=T0 + 1)
    assert isinstance(decision, Allowed)
    assert (decision.consent.channel, decision.consent.topic) == ("sms", "news")


def test_no_consent_blocks() -> None:
    assert reason(decide(at=T0)) is Reason.NO_CONSENT
    assert reason(decide(entry(at=T0, topic="offers"), at=T0 + 1)) is Reason.NO_CONSENT


def test_consent_on_another_channel_does_not_count() -> None:
    assert reason(decide(entry(at=T0, channel="sms"), at=T0 + 1, channel="email")) is (
        Reason.NO_CONSENT
    )


def test_a_withdrawal_blocks() -> None:
    withdrawn = entry(Action.WITHDRAWN, at=T0 + 1, source=Source.ONE_CLICK_UNSUBSCRIBE)
    assert reason(decide(entry(at=T0), withdrawn, at=T0 + 2)) is Reason.WITHDRAWN


def test_a_withdrawal_of_all_topics_blocks_every_topic() -> None:
    grants = [entry(at=T0, topic=topic) for topic in CONFIG.topics]
    withdrawal = entry(Action.WITHDRAWN, at=T0 + 1, topic=ALL_TOPICS, source=Source.BOUNCE)
    for topic in CONFIG.topics:
        assert reason(decide(*grants, withdrawal, at=T0 + 2, topic=topic)) is Reason.WITHDRAWN


def test_a_withdrawal_later_than_a_message_being_scheduled_still_wins_when_checked() -> None:
    # the gate sees the state it is given: check again at send time with the current state
    entries = (entry(at=T0), entry(Action.WITHDRAWN, at=T0 + days(1)))
    assert reason(decide(*entries, at=T0 + days(2))) is Reason.WITHDRAWN


def test_an_unconfirmed_double_opt_in_blocks() -> None:
    request = entry(at=T0, channel="email")
    assert reason(decide(request, at=T0 + 1, channel="email")) is Reason.PENDING_CONFIRMATION
    confirmed = entry(Action.CONFIRMED, at=T0 + 2, channel="email")
    assert isinstance(decide(request, confirmed, at=T0 + 3, channel="email"), Allowed)


def test_an_unconfirmed_request_that_lapsed_blocks_as_expired() -> None:
    request = entry(at=T0, channel="email")
    assert reason(decide(request, at=T0 + hours(72), channel="email")) is Reason.EXPIRED
    late = entry(Action.CONFIRMED, at=T0 + hours(80), channel="email")
    assert reason(decide(request, late, at=T0 + hours(81), channel="email")) is Reason.EXPIRED


def test_an_expired_consent_blocks() -> None:
    implied = entry(at=T0, basis=Basis.IMPLIED)
    assert isinstance(decide(implied, at=T0 + days(30) - 1), Allowed)
    assert reason(decide(implied, at=T0 + days(30))) is Reason.EXPIRED
    dated = entry(at=T0, expires_at=T0 + days(5))
    assert reason(decide(dated, at=T0 + days(5))) is Reason.EXPIRED
    recorded = entry(Action.EXPIRED, at=T0 + 1)
    assert reason(decide(entry(at=T0), recorded, at=T0 + 2)) is Reason.EXPIRED


def test_a_pause_blocks_until_it_ends() -> None:
    paused = entry(at=T0, paused_until=T0 + days(30))
    blocked = decide(paused, at=T0 + days(29))
    assert isinstance(blocked, Blocked)
    assert (blocked.reason, blocked.retry_at) == (Reason.PAUSED, T0 + days(30))
    assert isinstance(decide(paused, at=T0 + days(30)), Allowed)


def test_a_suppressed_address_is_blocked_even_with_consent() -> None:
    granted = (entry(at=T0, channel="email"), entry(Action.CONFIRMED, at=T0 + 1, channel="email"))
    decision = decide(*granted, at=T0 + 2, channel="email", suppressed=True)
    assert reason(decision) is Reason.SUPPRESSED
    assert reason(decide(at=T0, suppressed=True)) is Reason.SUPPRESSED  # checked before consent


def test_unknown_channels_and_topics_are_blocked() -> None:
    grants = (entry(at=T0, channel="sms", topic=ALL_TOPICS),)
    assert reason(decide(*grants, at=T0 + 1, channel="fax")) is Reason.UNKNOWN_CHANNEL
    assert reason(decide(*grants, at=T0 + 1, topic="cats")) is Reason.UNKNOWN_TOPIC
    # a message is about one topic: '*' is not a topic to send about
    assert reason(decide(*grants, at=T0 + 1, topic=ALL_TOPICS)) is Reason.UNKNOWN_TOPIC


def test_merged_contacts_are_judged_on_every_ledger_they_absorbed() -> None:
    kept = entry(at=T0, contact_id=1, topic=ALL_TOPICS)
    absorbed = entry(Action.WITHDRAWN, at=T0 + 5, contact_id=2, topic="offers")
    assert reason(decide(kept, absorbed, at=T0 + 6, topic="offers")) is Reason.WITHDRAWN
    assert isinstance(decide(kept, absorbed, at=T0 + 6, topic="news"), Allowed)


# --- frequency --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "window_days"),
    [
        (Frequency.DAILY, 1),
        (Frequency.WEEKLY, 7),
        (Frequency.MONTHLY, 30),
        (Frequency.QUARTERLY, 91),
    ],
)
def test_one_message_per_window_of_the_chosen_frequency(
    frequency: Frequency, window_days: int
) -> None:
    grant = entry(at=T0 - days(200), frequency=frequency)
    sent = T0
    early = decide(grant, at=sent + days(window_days) - 1, sends=[sent])
    assert isinstance(early, Blocked)
    assert (early.reason, early.retry_at) == (Reason.FREQUENCY, sent + days(window_days))
    assert isinstance(decide(grant, at=sent + days(window_days), sends=[sent]), Allowed)
    # a message already scheduled later in the window counts as much as one sent before
    later = decide(grant, at=sent - days(window_days) + 1, sends=[sent])
    assert reason(later) is Reason.FREQUENCY
    assert isinstance(decide(grant, at=sent - days(window_days), sends=[sent]), Allowed)


def test_realtime_and_no_choice_mean_no_limit_from_the_contact() -> None:
    for frequency in (Frequency.REALTIME, None):
        grant = entry(at=T0, frequency=frequency)
        assert isinstance(decide(grant, at=T0 + 2, sends=[T0 + 1, T0 + 2, T0 + 3]), Allowed)


def test_the_frequency_of_the_topic_row_applies() -> None:
    entries = (
        entry(at=T0, topic=ALL_TOPICS, frequency=Frequency.REALTIME),
        entry(at=T0 + 1, topic="offers", frequency=Frequency.MONTHLY),
    )
    sends = [T0 + days(1)]
    assert reason(decide(*entries, at=T0 + days(2), topic="offers", sends=sends)) is (
        Reason.FREQUENCY
    )
    assert isinstance(decide(*entries, at=T0 + days(2), topic="news", sends=sends), Allowed)


def test_retry_skips_past_every_crowding_send() -> None:
    window = FREQUENCY_WINDOW_MS[Frequency.WEEKLY]
    assert next_free(at=0, sends=[-1, window - 2], window=window) == 2 * window - 2
    assert next_free(at=0, sends=[], window=window) == 0


@given(
    st.integers(-(10**6), 10**6),
    st.lists(st.integers(-(10**6), 10**6), max_size=8),
    st.sampled_from(sorted(FREQUENCY_WINDOW_MS.values())),
)
def test_next_free_is_the_earliest_moment_clear_of_every_send(
    at: int, sends: list[int], window: int
) -> None:
    found = next_free(at=at, sends=sends, window=window)

    def clear(moment: int) -> bool:
        return all(abs(moment - sent) >= window for sent in sends)

    assert found >= at and clear(found)
    candidates = [at, *(sent + window for sent in sends)]
    assert not any(clear(moment) for moment in candidates if at <= moment < found)


# --- the gate cannot be bypassed ------------------------------------------------------------


def consent_in_force(state: ContactConsent, *, channel: str, topic: str, at: int) -> bool:
    row = state.row_for(channel=channel, topic=topic)
    return (
        row is not None
        and row.status is Status.GRANTED
        and (not CONFIG.requires_confirmation(channel=channel) or row.confirmed_at is not None)
        and (row.expires_at is None or row.expires_at > at)
        and (row.paused_until is None or row.paused_until <= at)
    )


def frequency_respected(
    state: ContactConsent, *, channel: str, topic: str, at: int, sends: list[int]
) -> bool:
    row = state.row_for(channel=channel, topic=topic)
    assert row is not None
    if row.frequency is None:
        return True
    window = FREQUENCY_WINDOW_MS[row.frequency]
    return all(abs(at - sent) >= window for sent in sends)


@settings(max_examples=500)
@given(scenarios())
def test_allowed_exactly_when_every_condition_holds(scenario: Scenario) -> None:
    channel, topic, at, sends = scenario.channel, scenario.topic, scenario.at, scenario.sends
    state = fold(entries=scenario.entries, config=CONFIG)
    decision = check(
        consent_state=state,
        suppressed=scenario.suppressed,
        recent_sends=sends,
        channel=channel,
        topic=topic,
        at=at,
        config=CONFIG,
    )
    expected = (
        channel in CONFIG.channels
        and topic in CONFIG.topics
        and not scenario.suppressed
        and consent_in_force(state, channel=channel, topic=topic, at=at)
        and frequency_respected(state, channel=channel, topic=topic, at=at, sends=sends)
    )
    event(decision.reason.value if isinstance(decision, Blocked) else "allowed")
    assert isinstance(decision, Allowed) == expected, decision
    if isinstance(decision, Allowed):
        # and the independent reading of the ledger agrees that consent is in force
        model = model_of(scenario.entries, channel=channel, topic=topic, config=CONFIG)
        assert model.effective(at) is Status.GRANTED
        assert model.paused_until is None or model.paused_until <= at
