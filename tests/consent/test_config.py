from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.consent.config import (
    DEFAULT_CHANNELS,
    DEFAULT_TOPICS,
    ConfigError,
    PermissionConfig,
    parse_config,
)
from cadence.consent.models import DAY_MS, HOUR_MS, Frequency

ISSUE_EXAMPLE = {
    "topics": ["news", "products", "offers", "events"],
    "channels": ["email", "sms", "phone", "direct_mail", "social"],
    "frequencies": ["realtime", "daily", "weekly", "monthly", "quarterly"],
    "consent": {"implied_expiry_days": 730, "double_opt_in": ["email"]},
    "segments": {"ignored": "other packages own other sections"},
}


def problems(workspace: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(workspace=workspace)
    return dict(caught.value.problems)


def test_the_issue_example_parses() -> None:
    config = parse_config(workspace=ISSUE_EXAMPLE)
    assert config.topics == ("news", "products", "offers", "events")
    assert config.channels == ("email", "sms", "phone", "direct_mail", "social")
    assert config.frequencies == tuple(Frequency)
    assert config.consent.implied_expiry_ms == 730 * DAY_MS
    assert config.consent.confirm_expiry_ms == 72 * HOUR_MS
    assert config.requires_confirmation(channel="email")
    assert not config.requires_confirmation(channel="sms")


def test_missing_sections_take_the_defaults() -> None:
    config = parse_config(workspace={})
    assert config == PermissionConfig()
    assert config.topics == DEFAULT_TOPICS
    assert config.channels == DEFAULT_CHANNELS
    assert config.consent.double_opt_in == {"email"}


def test_default_double_opt_in_only_names_configured_channels() -> None:
    config = parse_config(workspace={"channels": ["sms"]})
    assert config.consent.double_opt_in == frozenset()


def test_an_empty_double_opt_in_list_turns_it_off() -> None:
    config = parse_config(workspace={"consent": {"double_opt_in": []}})
    assert config.consent.double_opt_in == frozenset()


def test_confirm_expiry_hours_is_optional_and_read() -> None:
    config = parse_config(workspace={"consent": {"confirm_expiry_hours": 24}})
    assert config.consent.confirm_expiry_ms == 24 * HOUR_MS
    assert config.consent.implied_expiry_days == 730


def test_unknown_double_opt_in_channel_names_its_path() -> None:
    found = problems({"channels": ["email"], "consent": {"double_opt_in": ["fax"]}})
    assert found == {"consent.double_opt_in[0]": "unknown channel 'fax'"}


def test_error_message_lists_path_and_reason() -> None:
    with pytest.raises(ConfigError, match=r"consent\.double_opt_in\[1\]: unknown channel 'fax'"):
        parse_config(workspace={"consent": {"double_opt_in": ["email", "fax"]}})


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        {
            "topics": ["news", "*", "News", "news", 3],
            "channels": "email",
            "frequencies": ["weekly", "hourly"],
            "consent": {
                "implied_expiry_days": 0,
                "confirm_expiry_hours": True,
                "double_optin": ["email"],
            },
        }
    )
    assert set(found) == {
        "topics[1]",
        "topics[2]",
        "topics[3]",
        "topics[4]",
        "channels",
        "frequencies[1]",
        "consent.implied_expiry_days",
        "consent.confirm_expiry_hours",
        "consent.double_optin",
    }
    assert "reserved" in found["topics[1]"]
    assert "duplicate" in found["topics[3]"]
    assert "must be a string" in found["topics[4]"]
    assert "unknown frequency 'hourly'" in found["frequencies[1]"]
    assert found["consent.double_optin"] == "unknown key"


@pytest.mark.parametrize("key", ["topics", "channels", "frequencies"])
def test_lists_must_not_be_empty(key: str) -> None:
    assert problems({key: []}) == {key: "must not be empty"}


def test_consent_must_be_a_mapping() -> None:
    assert problems({"consent": ["email"]}) == {"consent": "must be a mapping"}


def test_channel_names_fit_the_consents_table() -> None:
    found = problems({"channels": ["x" * 33]})
    assert list(found) == ["channels[0]"]


@given(
    st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), min_size=1, unique=True),
    st.integers(1, 10_000),
)
def test_valid_sections_round_trip(topics: list[str], implied_days: int) -> None:
    config = parse_config(
        workspace={"topics": topics, "consent": {"implied_expiry_days": implied_days}}
    )
    assert config.topics == tuple(topics)
    assert config.consent.implied_expiry_days == implied_days
