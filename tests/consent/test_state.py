from __future__ import annotations

from cadence.consent.models import ALL_TOPICS, Action, Basis, Frequency, Source, Status
from cadence.consent.state import (
    ContactConsent,
    ordered,
)

from .strategies import T0, days, entry, hours, row, state_of


def status(state: ContactConsent, at: int, channel: str = "sms", topic: str = "news") -> Status:
    return row(state, channel, topic).status_at(at=at)


# --- grants, withdrawals, validity -------------------------------------------------------------


def test_a_grant_on_a_channel_without_double_opt_in_is_granted_at_once() -> None:
    state = state_of(entry(at=T0, frequency=Frequency.WEEKLY))
    granted = row(state)
    assert granted.status is Status.GRANTED
    assert granted.basis is Basis.EXPRESS
    assert granted.frequency is Frequency.WEEKLY
    assert granted.expires_at is None
    assert granted.updated_at == T0
    assert state.row_for(channel="sms", topic="offers") is None
    assert state.row_for(channel="email", topic="news") is None


def test_a_withdrawal_withdraws_and_a_later_grant_grants_again() -> None:
    state = state_of(entry(at=T0), entry(Action.WITHDRAWN, at=T0 + 1), entry(at=T0 + 2))
    assert row(state).status is Status.GRANTED
    state = state_of(entry(at=T0), entry(Action.WITHDRAWN, at=T0 + 1))
    assert row(state).status is Status.WITHDRAWN


def test_implied_consent_lapses_after_the_configured_days() -> None:
    state = state_of(entry(at=T0, basis=Basis.IMPLIED))
    assert row(state).expires_at == T0 + days(30)
    assert status(state, T0 + days(30) - 1) is Status.GRANTED
    assert status(state, T0 + days(30)) is Status.EXPIRED


def test_an_earlier_explicit_expiry_wins_over_the_implied_lapse() -> None:
    state = state_of(entry(at=T0, basis=Basis.IMPLIED, expires_at=T0 + days(3)))
    assert row(state).expires_at == T0 + days(3)
    state = state_of(entry(at=T0, basis=Basis.IMPLIED, expires_at=T0 + days(300)))
    assert row(state).expires_at == T0 + days(30)


def test_express_and_legitimate_interest_lapse_only_when_told() -> None:
    for basis in (Basis.EXPRESS, Basis.LEGITIMATE_INTEREST):
        assert row(state_of(entry(at=T0, basis=basis))).expires_at is None
        state = state_of(entry(at=T0, basis=basis, expires_at=T0 + days(400)))
        assert status(state, T0 + days(400)) is Status.EXPIRED


def test_a_new_implied_grant_renews_the_lapse() -> None:
    state = state_of(
        entry(at=T0, basis=Basis.IMPLIED), entry(at=T0 + days(20), basis=Basis.IMPLIED)
    )
    assert row(state).expires_at == T0 + days(50)


def test_a_recorded_expiry_marks_the_row_expired_but_never_a_withdrawal() -> None:
    state = state_of(entry(at=T0), entry(Action.EXPIRED, at=T0 + 5))
    assert row(state).status is Status.EXPIRED
    state = state_of(entry(Action.WITHDRAWN, at=T0), entry(Action.EXPIRED, at=T0 + 5))
    assert row(state).status is Status.WITHDRAWN
    assert state_of(entry(Action.EXPIRED, at=T0)).rows == {}


# --- double opt-in ----------------------------------------------------------------------------


def test_double_opt_in_channels_stay_pending_until_confirmed() -> None:
    request = entry(at=T0, channel="email", frequency=Frequency.MONTHLY)
    state = state_of(request)
    assert row(state, "email").status is Status.PENDING
    assert row(state, "email").expires_at == T0 + hours(72)
    confirmed = state_of(request, entry(Action.CONFIRMED, at=T0 + hours(1), channel="email"))
    assert row(confirmed, "email").status is Status.GRANTED
    assert row(confirmed, "email").confirmed_at == T0 + hours(1)
    assert row(confirmed, "email").frequency is Frequency.MONTHLY
    assert row(confirmed, "email").basis is Basis.EXPRESS
    assert row(confirmed, "email").expires_at is None


def test_an_unconfirmed_request_expires() -> None:
    state = state_of(entry(at=T0, channel="email"))
    assert status(state, T0 + hours(72) - 1, "email") is Status.PENDING
    assert status(state, T0 + hours(72), "email") is Status.EXPIRED


def test_a_confirmation_after_the_request_lapsed_changes_nothing() -> None:
    state = state_of(
        entry(at=T0, channel="email"),
        entry(Action.CONFIRMED, at=T0 + hours(72), channel="email"),
    )
    assert row(state, "email").status is Status.PENDING
    assert status(state, T0 + hours(73), "email") is Status.EXPIRED


def test_an_old_confirmation_link_cannot_revive_a_withdrawal() -> None:
    state = state_of(
        entry(at=T0, channel="email"),
        entry(Action.WITHDRAWN, at=T0 + 1, channel="email"),
        entry(Action.CONFIRMED, at=T0 + 2, channel="email"),
    )
    assert row(state, "email").status is Status.WITHDRAWN


def test_a_confirmation_without_a_request_creates_nothing() -> None:
    assert state_of(entry(Action.CONFIRMED, at=T0, channel="email")).rows == {}


def test_a_re_grant_keeps_a_confirmed_row_granted() -> None:
    state = state_of(
        entry(at=T0, channel="email"),
        entry(Action.CONFIRMED, at=T0 + 1, channel="email"),
        entry(
            at=T0 + days(2),
            channel="email",
            source=Source.PREFERENCE_CENTER,
            frequency=Frequency.QUARTERLY,
        ),
    )
    granted = row(state, "email")
    assert (granted.status, granted.confirmed_at) == (Status.GRANTED, T0 + 1)
    assert granted.frequency is Frequency.QUARTERLY


def test_a_grant_after_a_withdrawal_needs_a_new_confirmation() -> None:
    state = state_of(
        entry(at=T0, channel="email"),
        entry(Action.CONFIRMED, at=T0 + 1, channel="email"),
        entry(Action.WITHDRAWN, at=T0 + 2, channel="email"),
        entry(at=T0 + 3, channel="email"),
    )
    assert row(state, "email").status is Status.PENDING
    assert row(state, "email").confirmed_at is None


def test_an_explicit_request_is_pending_on_any_channel() -> None:
    # the suppression rule asks for a confirmation even where the channel does not
    state = state_of(entry(Action.PENDING, at=T0, expires_at=T0 + days(9)))
    assert row(state).status is Status.PENDING
    state = state_of(
        entry(Action.PENDING, at=T0, expires_at=T0 + days(9)),
        entry(Action.CONFIRMED, at=T0 + 1),
    )
    assert row(state).status is Status.GRANTED
    assert row(state).expires_at == T0 + days(9)  # the validity asked for in the request


def test_confirming_all_topics_confirms_every_pending_topic_of_the_channel() -> None:
    state = state_of(
        entry(at=T0, channel="email", topic="news"),
        entry(at=T0, channel="email", topic="offers"),
        entry(Action.CONFIRMED, at=T0 + 1, channel="email", topic=ALL_TOPICS),
    )
    assert row(state, "email", "news").status is Status.GRANTED
    assert row(state, "email", "offers").status is Status.GRANTED
    assert state.row_for(channel="email", topic="events") is None


# --- all topics ('*') --------------------------------------------------------------------------


def test_topics_without_their_own_row_follow_the_all_topics_row() -> None:
    state = state_of(entry(at=T0, topic=ALL_TOPICS, frequency=Frequency.WEEKLY))
    assert row(state, topic="events").status is Status.GRANTED
    assert row(state, topic="events").topic == ALL_TOPICS
    assert row(state, topic="events").frequency is Frequency.WEEKLY


def test_a_later_withdrawal_of_all_topics_withdraws_every_topic() -> None:
    state = state_of(
        entry(at=T0, topic="news"),
        entry(at=T0 + 1, topic="offers"),
        entry(Action.WITHDRAWN, at=T0 + 2, topic=ALL_TOPICS, source=Source.COMPLAINT),
    )
    for topic in ("news", "offers", "events"):
        assert row(state, topic=topic).status is Status.WITHDRAWN


def test_a_later_topic_grant_after_an_all_topics_withdrawal_grants_that_topic_only() -> None:
    state = state_of(
        entry(at=T0, topic=ALL_TOPICS),
        entry(Action.WITHDRAWN, at=T0 + 1, topic=ALL_TOPICS),
        entry(at=T0 + 2, topic="news"),
    )
    assert row(state, topic="news").status is Status.GRANTED
    assert row(state, topic="offers").status is Status.WITHDRAWN


def test_a_later_all_topics_grant_re_grants_a_withdrawn_topic() -> None:
    state = state_of(
        entry(Action.WITHDRAWN, at=T0, topic="news"),
        entry(at=T0 + 1, topic=ALL_TOPICS),
    )
    assert row(state, topic="news").status is Status.GRANTED


def test_a_topic_withdrawal_under_an_all_topics_grant_withdraws_that_topic_only() -> None:
    state = state_of(
        entry(at=T0, topic=ALL_TOPICS, frequency=Frequency.DAILY),
        entry(Action.WITHDRAWN, at=T0 + 1, topic="offers", source=Source.ONE_CLICK_UNSUBSCRIBE),
    )
    assert row(state, topic="offers").status is Status.WITHDRAWN
    assert row(state, topic="news").status is Status.GRANTED


def test_a_new_topic_row_starts_from_the_all_topics_row() -> None:
    state = state_of(
        entry(at=T0, topic=ALL_TOPICS, channel="email", frequency=Frequency.MONTHLY),
        entry(Action.CONFIRMED, at=T0 + 1, topic=ALL_TOPICS, channel="email"),
        entry(at=T0 + 2, topic="news", channel="email", paused_until=T0 + days(30)),
    )
    news = row(state, "email", "news")
    assert (news.topic, news.status, news.confirmed_at) == ("news", Status.GRANTED, T0 + 1)
    assert news.frequency is Frequency.MONTHLY
    assert news.paused_until == T0 + days(30)
    assert not row(state, "email", "offers").paused_at(at=T0 + 3)


def test_an_all_topics_grant_on_a_double_opt_in_channel_keeps_confirmed_topics() -> None:
    state = state_of(
        entry(at=T0, channel="email", topic="news"),
        entry(Action.CONFIRMED, at=T0 + 1, channel="email", topic="news"),
        entry(at=T0 + 2, channel="email", topic=ALL_TOPICS),
    )
    assert row(state, "email", "news").status is Status.GRANTED
    assert row(state, "email", "offers").status is Status.PENDING


# --- frequency and pause choices ----------------------------------------------------------------


def test_choices_left_empty_keep_the_previous_ones() -> None:
    state = state_of(
        entry(at=T0, frequency=Frequency.WEEKLY, paused_until=T0 + days(60)),
        entry(at=T0 + 1, source=Source.API),
    )
    assert row(state).frequency is Frequency.WEEKLY
    assert row(state).paused_until == T0 + days(60)


def test_a_pause_ends_when_told_or_when_it_runs_out() -> None:
    pause = entry(at=T0, paused_until=T0 + days(30), source=Source.PREFERENCE_CENTER)
    state = state_of(entry(at=T0 - 1), pause)
    assert row(state).paused_at(at=T0 + days(30) - 1)
    assert not row(state).paused_at(at=T0 + days(30))
    resumed = state_of(entry(at=T0 - 1), pause, entry(at=T0 + 5, paused_until=T0 + 5))
    assert row(resumed).paused_until is None


def test_a_withdrawal_remembers_the_frequency_and_ends_the_pause() -> None:
    state = state_of(
        entry(at=T0, frequency=Frequency.MONTHLY, paused_until=T0 + days(90)),
        entry(Action.WITHDRAWN, at=T0 + 1),
        entry(at=T0 + 2),
    )
    assert row(state).frequency is Frequency.MONTHLY
    assert row(state).paused_until is None


# --- order ---------------------------------------------------------------------------------------


def test_entries_are_folded_in_time_order_whatever_order_they_arrive_in() -> None:
    grant = entry(at=T0)
    withdraw = entry(Action.WITHDRAWN, at=T0 + days(1))
    assert row(state_of(withdraw, grant)).status is Status.WITHDRAWN
    assert row(state_of(grant, withdraw)).status is Status.WITHDRAWN


def test_a_withdrawal_wins_a_tie() -> None:
    grant, withdraw = entry(at=T0), entry(Action.WITHDRAWN, at=T0)
    assert row(state_of(withdraw, grant)).status is Status.WITHDRAWN
    assert row(state_of(grant, withdraw)).status is Status.WITHDRAWN
    assert ordered(entries=[withdraw, grant]) == [grant, withdraw]


def test_a_merged_contact_folds_every_ledger_it_absorbed() -> None:
    state = state_of(
        entry(at=T0, contact_id=1, topic=ALL_TOPICS),
        entry(Action.WITHDRAWN, at=T0 + 5, contact_id=2, topic="offers"),
    )
    assert row(state, topic="news").status is Status.GRANTED
    assert row(state, topic="offers").status is Status.WITHDRAWN


def test_a_grant_after_a_lapse_does_not_inherit_the_old_confirmation() -> None:
    state = state_of(
        entry(Action.PENDING, at=T0, expires_at=T0 + days(5)),
        entry(Action.CONFIRMED, at=T0 + 1),
        entry(at=T0 + days(6)),
    )
    assert row(state).status is Status.GRANTED
    assert row(state).confirmed_at is None
