"""Reading the ``messages:`` section: every problem named by its path, templates by line/column."""

from __future__ import annotations

from typing import Any

from cadence.messages.config import parse_section

EMAIL = {
    "key": "spring-offer",
    "channel": "email",
    "topic": "offers",
    "priority": 5,
    "subject": "{{ contact.traits.first_name | default('Hello') }}, your spring offer",
    "html": "<p>{{ blocks.offer }}</p>",
    "text": "{{ blocks.offer }}",
    "blocks": {
        "offer": [
            {
                "when": {"field": "traits.country", "op": "in", "value": ["DE", "FR"]},
                "html": "<b>Berlin</b>",
                "text": "Berlin",
            },
            {"html": "<b>Demo</b>", "text": "Demo"},
        ]
    },
}


def errors(raw: Any) -> dict[str, str]:
    _, found = parse_section(raw)
    return {e.field: e.message for e in found}


def test_a_valid_section_round_trips_through_its_document() -> None:
    sms = {
        "key": "sms-reminder",
        "channel": "sms",
        "topic": "events",
        "text": "See you {{ first_name() }}",
    }
    hook = {
        "key": "crm",
        "channel": "webhook",
        "topic": "news",
        "json": {"to": "{{ contact.email }}", "n": [1]},
    }
    messages, found = parse_section([EMAIL, sms, hook])
    assert found == []
    assert [m.key for m in messages] == ["spring-offer", "sms-reminder", "crm"]
    assert messages[0].as_document() == {**EMAIL, "on_limit": "defer"}
    assert messages[1].priority == 0 and messages[1].on_limit == "defer"
    assert parse_section([m.as_document() for m in messages])[0] == messages


def test_shape_problems_are_named_by_path() -> None:
    found = errors(
        [
            EMAIL,
            {
                "key": "Bad Key",
                "channel": "fax",
                "topic": "",
                "priority": True,
                "on_limit": "later",
            },
            {"key": "x", "channel": "sms", "topic": "offers", "subject": "no", "colour": 1},
            {"key": "y", "channel": "email", "topic": "offers", "html": 3},
            {**EMAIL},
            "not a mapping",
        ]
    )
    assert found == {
        "messages[1].key": "lower-case letters, digits, - and _",
        "messages[1].channel": "one of email, sms, webhook, phone, direct_mail, social",
        "messages[1].topic": "a consent topic: a lower-case letter, then letters, digits, - and _",
        "messages[1].priority": "an integer from -1000 to 1000",
        "messages[1].on_limit": "one of defer, drop",
        "messages[2].colour": "unknown field",
        "messages[2].subject": "not used by sms messages",
        "messages[2].text": "sms messages need text",
        "messages[3].html": "a template (text)",
        "messages[3].subject": "email messages need subject",
        "messages[4].key": "duplicate key",
        "messages[5]": "must be a mapping (key, channel, topic, ...)",
    }
    assert errors({"key": "x"}) == {"messages": "must be a list of messages"}


def test_template_problems_carry_path_line_and_column() -> None:
    broken = {
        **EMAIL,
        "subject": "Hi {{ contact.traits.first_name }}",
        "html": "<p>\n  {{ contct.email }}</p>{{ blocks.offer }}",
        "text": "{{ blocks.offer }",
    }
    found = errors([broken])
    assert found["messages[0].subject"] == (
        "line 1, column 22: 'first_name' has no value; give it a fallback with | default('...')"
    )
    assert found["messages[0].html"].startswith("line 2, column 6: unknown variable 'contct'")
    assert found["messages[0].text"] == "line 1, column 17: unexpected '}'"


def test_blocks_are_checked_option_by_option() -> None:
    blocks: dict[str, Any] = {
        "offer": [
            {"html": "<b>always</b>", "text": "always"},
            {
                "when": {"field": "traits.country", "op": "bigger", "value": 1},
                "html": "x",
                "text": "x",
            },
            {"when": {"segment": "emea"}, "html": "{{ blocks.offer }}", "text": "y"},
            {"html": "only html"},
        ],
        "Bad-Name": [{"html": "x"}],
        "empty": [],
    }
    found = errors([{**EMAIL, "blocks": blocks}])
    assert found == {
        "messages[0].blocks.offer[0]": (
            "an option without `when` always matches, so it must be the last"
        ),
        "messages[0].blocks.offer[3]": (
            "every option gives the same parts as the first (html, text)"
        ),
        "messages[0].blocks.Bad-Name": "block names are lower-case letters, digits and _",
        "messages[0].blocks.empty": "a list of 1 to 50 options",
    }
    blocks = {"offer": [dict(blocks["offer"][1]), {"html": "{{ blocks.offer }}", "text": "t"}]}
    found = errors([{**EMAIL, "blocks": blocks}])
    assert found["messages[0].blocks.offer[0].when.op"].startswith("unknown operator 'bigger'")
    assert found["messages[0].blocks.offer[1].html"].startswith(
        "line 1, column 4: unknown variable"
    )


def test_a_block_without_the_part_a_template_uses_is_refused() -> None:
    blocks = {"note": [{"text": "plain only"}]}
    found = errors([{**EMAIL, "html": "<p>{{ blocks.note }}</p>", "text": "", "blocks": blocks}])
    assert found == {
        "messages[0].html": ("line 1, column 14: 'note': this block has no html version")
    }
