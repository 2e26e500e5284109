"""Planning preference-center submissions (pure)."""

from __future__ import annotations

from cadence.consent.config import PermissionConfig
from cadence.consent.ledger import LedgerEntry
from cadence.consent.models import DAY_MS, Action, Basis, Frequency, Source
from cadence.consent.preferences import (
    Choices,
    Kind,
    plan_choices,
    plan_less_often,
    plan_one_click,
    plan_unsubscribe_all,
)
from cadence.consent.state import fold

CONFIG = PermissionConfig(topics=("news", "offers"), channels=("sms", "email"))
T0 = 1_700_000_000_000


def grant(topic: str, *, channel: str = "sms", at: int = T0, **extra: object) -> LedgerEntry:
    fields: dict[str, object] = {"basis": Basis.EXPRESS, "wording": "w", **extra}
    return LedgerEntry(
        contact_id=1,
        channel=channel,
        topic=topic,
        action=Action.GRANTED,
        source=Source.API,
        at=at,
        **fields,  # type: ignore[arg-type]
    )


def kinds(plan: object) -> list[tuple[str, str | None]]:
    return [(c.kind.value, c.topic) for c in plan.choices]  # type: ignore[attr-defined]


def test_only_changes_are_planned() -> None:
    state = fold(
        entries=[grant("news", frequency=Frequency.WEEKLY), grant("offers")], config=CONFIG
    )
    now = T0 + DAY_MS
    same = Choices(
        subscribed=frozenset({("sms", "news"), ("sms", "offers")}),
        frequency={"news": Frequency.WEEKLY},
    )
    assert (
        plan_choices(contact_id=1, state=state, config=CONFIG, choices=same, now=now).entries == []
    )
    changed = Choices(
        subscribed=frozenset({("sms", "news"), ("email", "offers")}),
        frequency={"news": Frequency.MONTHLY},
        pause_days=30,
    )
    plan = plan_choices(contact_id=1, state=state, config=CONFIG, choices=changed, now=now)
    assert kinds(plan) == [
        ("reduced_frequency", "news"),
        ("paused", "news"),
        ("topic_unsubscribe", "offers"),
        ("subscribed", "offers"),
    ]
    regrant = plan.entries[0]
    assert (regrant.frequency, regrant.paused_until) == (Frequency.MONTHLY, now + 30 * DAY_MS)
    after = fold(
        entries=[grant("news", frequency=Frequency.WEEKLY), grant("offers"), *plan.entries],
        config=CONFIG,
    )
    assert after.rows[("sms", "news")].confirmed_at is None
    assert after.rows[("email", "offers")].status.value == "pending"  # email: double opt-in


def test_unticking_everything_is_a_full_unsubscribe() -> None:
    state = fold(entries=[grant("news"), grant("offers")], config=CONFIG)
    plan = plan_choices(
        contact_id=1,
        state=state,
        config=CONFIG,
        choices=Choices(subscribed=frozenset()),
        now=T0 + 1,
    )
    assert kinds(plan) == [("full_unsubscribe", None)]
    assert len(plan.entries) == 2


def test_implied_consent_keeps_its_lapse_when_preferences_change() -> None:
    implied = grant("news", basis=Basis.IMPLIED)
    state = fold(entries=[implied], config=CONFIG)
    lapse = state.rows[("sms", "news")].expires_at
    plan = plan_less_often(contact_id=1, state=state, config=CONFIG, now=T0 + 100 * DAY_MS)
    after = fold(entries=[implied, *plan.entries], config=CONFIG)
    assert after.rows[("sms", "news")].expires_at == lapse
    assert after.rows[("sms", "news")].frequency is Frequency.MONTHLY


def test_one_click_and_leaving_everything() -> None:
    state = fold(entries=[grant("news"), grant("offers")], config=CONFIG)
    one = plan_one_click(
        contact_id=1, state=state, config=CONFIG, channel="sms", topic="news", now=T0 + 1
    )
    assert kinds(one) == [("topic_unsubscribe", "news")]
    last = plan_one_click(
        contact_id=1, state=state, config=CONFIG, channel="sms", topic="*", now=T0 + 1
    )
    assert kinds(last) == [("full_unsubscribe", "*")]
    everything = plan_unsubscribe_all(
        contact_id=1, state=state, config=CONFIG, now=T0 + 1, source=Source.PREFERENCE_CENTER
    )
    assert [(e.channel, e.topic, e.action) for e in everything.entries] == [
        ("sms", "*", Action.WITHDRAWN)
    ]
    assert kinds(everything) == [(Kind.FULL_UNSUBSCRIBE.value, None)]
