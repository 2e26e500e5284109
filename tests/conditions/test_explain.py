"""explain() says which leaves hold and why; dependencies() says what a condition reads."""

from __future__ import annotations

import yaml

from cadence.conditions import (
    ContactState,
    EvalContext,
    EventRecord,
    dependencies,
    explain,
    parse_condition,
)
from tests.conditions.worlds import DAY, NOW, NOW_MS

HOT_LEADS = yaml.safe_load("""
all:
  - {field: traits.country, op: in, value: [DE, FR]}
  - {field: score, op: gte, value: 50}
  - {event: Email Clicked, where: {campaign: spring}, min: 2, within_days: 30}
  - not: {event: Unsubscribed}
  - any:
      - {segment: emea}
      - {consent: {channel: email, topic: offers}}
      - {bought: {category: shoes}, within_days: 90}
  - {field: first_seen_at, op: gte, value: -30d}
""")


def test_explain_lists_every_leaf_with_its_path_description_and_value() -> None:
    contact = ContactState(
        contact_id=1,
        traits={"country": "US"},
        columns={"score": 80.0, "score_as_of": NOW_MS, "first_seen_at": NOW_MS - DAY},
        events=(EventRecord("Email Clicked", NOW_MS - DAY, {"campaign": "spring"}),),
        segment_keys=frozenset({"emea"}),
    )
    node = parse_condition(HOT_LEADS)
    rows = explain(node, state=contact, ctx=EvalContext(now=NOW, half_life_days=30))
    assert [(row.path, row.description, row.value) for row in rows] == [
        ("all[0]", "traits.country is one of DE, FR", False),
        ("all[1]", "score is at least 50", True),
        (
            "all[2]",
            "did Email Clicked (campaign is spring) at least 2 times in the last 30 days",
            False,
        ),
        ("all[3].not", "did Unsubscribed at least once", False),
        ("all[4].any[0]", "is in segment emea", True),
        ("all[4].any[1]", "consent for email (topic offers) is granted", False),
        ("all[4].any[2]", "bought category shoes in the last 90 days", False),
        ("all[5]", "first_seen_at is at or after 30 days ago", True),
    ]
    assert rows[0].observed == "US"
    assert rows[2].observed == "1 matching event"


def test_dependencies_name_what_the_condition_reads() -> None:
    found = dependencies(parse_condition(HOT_LEADS))
    assert found.traits == {"country"}
    assert found.fields == {"score", "first_seen_at"}
    assert found.columns == {"score", "score_as_of", "first_seen_at"}
    assert found.events == {"Email Clicked", "Unsubscribed", "Order Completed"}
    assert found.event_windows == {
        "Email Clicked": 30 * DAY,
        "Unsubscribed": None,
        "Order Completed": 90 * DAY,
    }
    assert found.consent_channels == {"email"}
    assert found.segments == {"emea"}
    assert found.time_dependent


def test_profile_only_conditions_are_not_time_dependent() -> None:
    raw = {
        "all": [
            {"field": "account.industry", "op": "eq", "value": "saas"},
            {"field": "band", "op": "lte", "value": 2},
        ]
    }
    found = dependencies(parse_condition(raw))
    assert found.account_traits == {"industry"}
    assert not found.time_dependent
    assert (
        dependencies(parse_condition({"field": "tenure_days", "op": "exists"})).time_dependent
        is False
    )
    assert dependencies(
        parse_condition({"field": "tenure_days", "op": "gt", "value": 3})
    ).time_dependent
