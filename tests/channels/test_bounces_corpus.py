"""The parser against 629 real reports from many mail servers (the shared sisimai corpus)."""

from __future__ import annotations

import re

import pytest

from cadence.channels.bounces import Report, ReportKind, parse_report
from cadence.channels.bounces.report import analyse
from tests.channels.bounce_corpus import corpus_files, read, require_corpus

BOUNCE_PREFIXES = ("rfc3464-", "lhost-", "rhost-")
BOUNCE_KINDS = {
    ReportKind.HARD_BOUNCE,
    ReportKind.SOFT_BOUNCE,
    ReportKind.DELAYED,
    ReportKind.DELIVERED,
}
# Measured on the corpus: 596 of 606 bounce files yield a recipient (98.3%). The rest
# name no address at all, are mailing-list notices, or were anonymised so that the
# failed recipient equals the bounce's own To (our sender), which we rightly exclude.
MIN_RECIPIENT_SHARE = 0.97
# 604 of 606 are classified as a bounce, delay or delivery (the two fml-* list notices
# are not bounces).
MIN_CLASSIFIED_SHARE = 0.98


@pytest.mark.parametrize("name", corpus_files())
def test_every_corpus_message_parses_without_raising(name: str) -> None:
    raw = read(name)
    report = analyse(raw)  # unguarded: an exception here is a bug, not an "unknown"
    assert isinstance(report, Report)
    assert parse_report(raw) == report
    assert all(r.address == r.address.lower() and "@" in r.address for r in report.recipients)


@pytest.mark.parametrize("name", corpus_files("arf-"))
def test_arf_reports_are_complaints_with_their_feedback_type(name: str) -> None:
    raw = read(name)
    report = parse_report(raw)
    assert report.kind is ReportKind.COMPLAINT
    stated = re.search(rb"^Feedback-Type:[ \t]*([\w-]+)", raw, re.MULTILINE | re.IGNORECASE)
    if stated:
        assert report.feedback_type == stated.group(1).decode().lower()


@pytest.mark.parametrize("name", corpus_files("rfc3834-"))
def test_rfc3834_messages_are_auto_replies(name: str) -> None:
    report = parse_report(read(name))
    assert report.kind is ReportKind.AUTO_REPLY
    assert len(report.recipients) == 1  # the person who is away


def _dsn_claims(raw: bytes) -> list[tuple[str, str]]:
    """(Final-Recipient, Status) pairs of the first delivery-status part, read plainly."""
    text = raw.decode("utf-8", "replace")
    start = re.search(r"^content-type:[ \t]*message/delivery-status", text, re.M | re.I)
    assert start is not None
    part = re.split(r"^--|^content-type:", text[start.end() :], flags=re.M | re.I)[0]
    recipients = re.findall(r"^final-recipient:[^;\n]*;[ \t]*<?([^\s>]+)", part, re.M | re.I)
    statuses = re.findall(r"^status:[ \t]*(\d\.\d{1,3}\.\d{1,3})", part, re.M | re.I)
    assert len(recipients) == len(statuses)
    return [(r.lower(), s) for r, s in zip(recipients, statuses, strict=True)]


DSN_FILES = [n for n in corpus_files("rfc3464-") if b"message/delivery-status" in read(n)]


@pytest.mark.parametrize("name", DSN_FILES)
def test_rfc3464_recipient_and_status_match_the_delivery_status_part(name: str) -> None:
    report = parse_report(read(name))
    by_address = {r.address: r for r in report.recipients}
    for address, status in _dsn_claims(read(name)):
        assert address in by_address
        found = by_address[address].status
        assert found is not None
        if status.endswith(".0.0"):  # generic: a more specific code may come from the diagnostic
            assert found[0] == status[0]
        else:
            assert found == status


def test_dsn_files_are_most_of_the_rfc3464_set() -> None:
    require_corpus()
    assert len(DSN_FILES) >= 25


@pytest.fixture(scope="module")
def bounce_reports() -> dict[str, Report]:
    require_corpus()
    names = [n for n in corpus_files() if n.startswith(BOUNCE_PREFIXES)]
    return {name: parse_report(read(name)) for name in names}


def test_a_recipient_is_extracted_from_almost_every_bounce(
    bounce_reports: dict[str, Report],
) -> None:
    reports = bounce_reports
    with_recipient = [name for name, report in reports.items() if report.recipients]
    share = len(with_recipient) / len(reports)
    assert len(reports) == 606
    assert share >= MIN_RECIPIENT_SHARE, f"recipient extracted for {share:.1%}"


def test_almost_every_bounce_is_classified(bounce_reports: dict[str, Report]) -> None:
    reports = bounce_reports
    classified = [name for name, report in reports.items() if report.kind in BOUNCE_KINDS]
    share = len(classified) / len(reports)
    assert share >= MIN_CLASSIFIED_SHARE, f"classified {share:.1%}"
