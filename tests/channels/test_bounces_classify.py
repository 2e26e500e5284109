"""Status codes, categories and hard/soft from what servers write."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.channels.bounces import BounceKind, Category
from cadence.channels.bounces.classify import (
    bounce_kind,
    categorize,
    find_status,
    refine_status,
    remote_mta_in,
)
from cadence.channels.bounces.fields import find_address, parse_fields, untyped


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("550 5.1.1 <a@b.example>... User Unknown", "5.1.1"),
        ("Sorry, I couldn't find any host named x.example. (#5.1.2)", "5.1.2"),
        ("550-5.7.26 Unauthenticated email ... 550 5.7.26 https://...", "5.7.26"),
        ("554 5.0.0 generic, then 550 5.2.2 mailbox full", "5.2.2"),  # specific beats x.0.0
        ("remote host 192.0.2.153 said: 550 Unknown user", "5.0.0"),  # not 0.2.153
        ("by mx (Exim 4.72) ... 452 Too many recipients", "4.0.0"),  # not 4.72
        ("250 2.6.0 Message received", None),  # a failure is not explained by a 2xx
        ("Size (in bytes): 222", None),
        ("no code at all", None),
    ],
)
def test_find_status(text: str, status: str | None) -> None:
    assert find_status(text) == status


def test_a_generic_status_is_refined_only_within_its_class() -> None:
    assert refine_status("5.0.0", "550 5.1.1 user unknown") == "5.1.1"
    assert refine_status("5.0.0", "450 4.2.2 mailbox full") == "5.0.0"
    assert refine_status("5.1.1", "550 5.7.1 blacklisted") == "5.1.1"  # the field wins
    assert refine_status(None, "421 4.4.2 timeout") == "4.4.2"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("552 5.2.2 Mailbox full", Category.MAILBOX_FULL),
        ("Recipient address rejected: Mailbox full", Category.MAILBOX_FULL),
        ("user is over quota", Category.MAILBOX_FULL),
        ("550 5.1.1 User unknown", Category.USER_UNKNOWN),
        ("No such user here", Category.USER_UNKNOWN),
        ("Requested action not taken: mailbox unavailable", Category.USER_UNKNOWN),
        ("Domain does not exist", Category.HOST_UNKNOWN),  # not the generic "does not exist"
        ("Host or domain name not found", Category.HOST_UNKNOWN),
        ("account is locked", Category.MAILBOX_DISABLED),
        ("Client host blocked using cbl.abuseat.org", Category.BLOCKED),
        ("Connection timed out", Category.NETWORK),
        ("message has been in the queue too long", Category.EXPIRED),
        ("Hop count exceeded - possible mail loop", Category.MAIL_LOOP),
        ("Message size exceeds fixed limit", Category.MESSAGE_TOO_LARGE),
    ],
)
def test_categorize_from_words(text: str, category: Category) -> None:
    assert categorize(status=None, text=text) is category


def test_categorize_falls_back_to_the_status_code() -> None:
    assert categorize(status="5.1.1", text="") is Category.USER_UNKNOWN
    assert categorize(status="5.7.1", text="rejected") is Category.BLOCKED
    assert categorize(status="4.4.7", text="") is Category.EXPIRED
    assert categorize(status="5.3.0", text="") is Category.OTHER
    assert categorize(status=None, text="") is None


@pytest.mark.parametrize(
    ("status", "category", "permanent", "kind"),
    [
        ("5.1.1", Category.USER_UNKNOWN, None, BounceKind.HARD),
        ("5.7.1", Category.BLOCKED, None, BounceKind.HARD),
        ("4.4.1", Category.NETWORK, True, BounceKind.SOFT),
        ("5.2.2", Category.MAILBOX_FULL, None, BounceKind.SOFT),  # full mailbox: soft
        ("5.3.4", Category.MESSAGE_TOO_LARGE, None, BounceKind.SOFT),
        (None, Category.USER_UNKNOWN, None, BounceKind.HARD),
        (None, Category.HOST_UNKNOWN, False, BounceKind.HARD),
        (None, Category.NETWORK, True, BounceKind.SOFT),
        (None, None, True, BounceKind.HARD),  # "permanent error" and nothing else
        (None, None, None, BounceKind.SOFT),  # no evidence: do not suppress yet
    ],
)
def test_bounce_kind(
    status: str | None, category: Category | None, permanent: bool | None, kind: BounceKind
) -> None:
    assert bounce_kind(status=status, category=category, permanent=permanent) is kind


@given(st.text(max_size=300))
def test_find_status_only_returns_failure_codes(text: str) -> None:
    status = find_status(text)
    assert status is None or re.fullmatch(r"[45]\.\d\.\d{1,3}", status)


def test_remote_mta_in_diagnostics() -> None:
    assert remote_mta_in("host mx.example.jp [192.0.2.20]: 550 5.7.0") == "mx.example.jp"
    assert remote_mta_in("host aspmx.l.google.com[108.177.97.26] said: 550") == (
        "aspmx.l.google.com"
    )
    assert remote_mta_in("remote host 192.0.2.32 said: 550") == "192.0.2.32"
    assert remote_mta_in("550 5.1.1 user unknown") is None


def test_parse_fields_blocks_and_continuations() -> None:
    text = (
        "Reporting-MTA: dns; mx\n"
        "\n"
        "Final-Recipient: rfc822; A@B.example\n"
        "Diagnostic-Code: smtp;\n"
        "  550 no\n"
        "Action: failed\n"
    )
    blocks = parse_fields(text)
    assert [b.items for b in blocks] == [
        [("reporting-mta", "dns; mx")],
        [
            ("final-recipient", "rfc822; A@B.example"),
            ("diagnostic-code", "smtp; 550 no"),
            ("action", "failed"),
        ],
    ]
    only_known = parse_fields("Hello: there\nStatus: 5.1.1\n", known=frozenset({"status"}))
    assert [b.items for b in only_known] == [[("status", "5.1.1")]]


def test_address_helpers() -> None:
    assert untyped("rfc822; <User@Example.COM>") == "<User@Example.COM>"
    assert find_address(untyped("rfc822; <User@Example.COM>")) == "user@example.com"
    assert find_address("no address here") is None
    assert find_address("trailing dot user@example.com.") == "user@example.com"
