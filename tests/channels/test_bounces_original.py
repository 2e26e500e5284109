"""Matching a report to our send: the returned original's Message-ID and X-Cadence-* headers.

Our messages carry ``X-Cadence-Message`` / ``X-Cadence-Contact``; none of the corpus
messages do, so each test adds them to the returned original of a real report.
"""

from __future__ import annotations

import pytest

from cadence.channels.bounces import ReportKind, parse_report
from tests.channels.bounce_corpus import read

CADENCE = b"X-Cadence-Message: msg-0042\r\nX-Cadence-Contact: contact-7\r\n"


def with_cadence_headers(name: str, before: bytes) -> bytes:
    """The corpus message ``name`` with our headers added just before the line ``before``."""
    raw = read(name)
    assert raw.count(before) == 1
    line_end = b"\r\n" if b"\r\n" in raw else b"\n"
    return raw.replace(before, CADENCE.replace(b"\r\n", line_end) + before)


@pytest.mark.parametrize(
    ("name", "before", "message_id", "kind"),
    [
        # message/rfc822 part of a standard DSN
        (
            "rfc3464-01.eml",
            b"Message-Id: <E1C50F1B",
            "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>",
            ReportKind.HARD_BOUNCE,
        ),
        # text/rfc822-headers part
        (
            "lhost-sendmail-05.eml",
            b"Message-Id: <000000B2",
            "<000000B2-9997-8888-8999-000000000356@example.co.jp>",
            ReportKind.SOFT_BOUNCE,
        ),
        # original copied into the text of a qmail bounce
        (
            "lhost-qmail-01.eml",
            b"Message-ID: <000000000.9999999999999",
            "<000000000.9999999999999.JavaMail.postmaster@mailhub>",
            ReportKind.HARD_BOUNCE,
        ),
        # message/rfc822 part of an ARF complaint
        (
            "arf-02.eml",
            b"Message-ID: <000000000000000000000000.smtp",
            "<000000000000000000000000.smtp@example.com>",
            ReportKind.COMPLAINT,
        ),
    ],
)
def test_cadence_headers_and_message_id_come_from_the_returned_original(
    name: str, before: bytes, message_id: str, kind: ReportKind
) -> None:
    report = parse_report(with_cadence_headers(name, before))
    assert report.kind is kind
    assert report.original_message_id == message_id
    assert report.cadence_message == "msg-0042"
    assert report.cadence_contact == "contact-7"
    assert dict(report.cadence_headers) == {
        "X-Cadence-Message": "msg-0042",
        "X-Cadence-Contact": "contact-7",
    }


def test_without_our_headers_there_is_nothing_to_match() -> None:
    report = parse_report(read("rfc3464-01.eml"))
    assert report.cadence_headers == {}
    assert report.cadence_message is None


def test_headers_on_the_report_itself_are_not_taken_for_the_original() -> None:
    raw = read("rfc3464-01.eml").replace(
        b"Subject: Returned mail", b"X-Cadence-Message: forged\nSubject: Returned mail", 1
    )
    assert parse_report(raw).cadence_message is None


def test_header_names_are_matched_case_insensitively_and_canonicalised() -> None:
    raw = read("rfc3464-01.eml").replace(
        b"Message-Id: <E1C50F1B", b"x-cadence-message: lower-1\nMessage-Id: <E1C50F1B"
    )
    assert parse_report(raw).cadence_headers == {"X-Cadence-Message": "lower-1"}


def test_amazon_ses_notification_carries_the_sent_headers() -> None:
    raw = read("lhost-amazonses-09.eml").replace(
        b'"headers":[',
        b'"headers":[{"name":"X-Cadence-Message","value":"msg-ses"},'
        b'{"name":"Message-ID","value":"<sent-1@cadence.example>"},',
    )
    report = parse_report(raw)
    assert report.kind is ReportKind.HARD_BOUNCE
    assert report.cadence_message == "msg-ses"
    assert report.original_message_id == "<sent-1@cadence.example>"
    assert report.original_recipient == "bounce@simulator.amazonses.com"


def test_a_report_forwarded_inside_another_keeps_the_inner_original() -> None:
    raw = read("lhost-x5-01.eml")  # the DSN is attached to a notice as message/rfc822
    report = parse_report(raw)
    assert report.original_message_id == (
        "<2222222222.0000000000002.JavaMail.nekogate@cat.example.jp>"
    )
