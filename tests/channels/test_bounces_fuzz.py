"""No input makes the parser raise: random bytes, report-shaped noise, mutated real reports."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.channels.bounces import Report, ReportKind, parse_report, split_mbox
from cadence.channels.bounces.report import analyse
from tests.channels.bounce_corpus import corpus_files, read

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = corpus_files() or ["rfc3464-01.eml"]

# Fragments real reports are made of, recombined at random.
FRAGMENTS = [
    b"From: MAILER-DAEMON@mx.example.org\n",
    b"Subject: Undelivered Mail Returned to Sender\n",
    b"Auto-Submitted: auto-replied\n",
    b"X-Failed-Recipients: a@example.com\n",
    b"X-Apple-Unsubscribe: true\n",
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n',
    b'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n',
    b"Content-Type: message/delivery-status\n",
    b"Content-Type: message/feedback-report\n",
    b"Content-Type: message/rfc822\n",
    b"Content-Type: text/rfc822-headers\n",
    b"Content-Type: text/html; charset=iso-2022-jp\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"--b\n",
    b"--b--\n",
    b"\n",
    b"Final-Recipient: rfc822; user@example.com\n",
    b"Original-Recipient: rfc822;<USER@Example.com>\n",
    b"Action: failed\n",
    b"Action: delayed\n",
    b"Status: 5.1.1\n",
    b"Status: 4.0.0 (temporary)\n",
    b"Diagnostic-Code: smtp; 550 5.2.2 mailbox full\n",
    b"Remote-MTA: dns; mx.example.com\n",
    b"Feedback-Type: abuse\n",
    b"Original-Rcpt-To: someone@example.net\n",
    b"X-Cadence-Message: m-1\n",
    b"Message-ID: <id@example.com>\n",
    b"  continued line\n",
    b"<user@example.com>:\n",
    b"Remote host said: 550 5.1.1 User unknown\n",
    b"Hi. This is the qmail-send program at example.org.\n",
    b"--- Below this line is a copy of the message.\n",
    b'{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"x@y.zz"}]}}\n',
    b"From MAILER-DAEMON  Thu Apr 29 23:34:45 2021\n",
    b"=?utf-8?b?8J+Yig==?= =?bogus?q?x?=\n",
    b"\xff\xfe\x00\x80 binary \x1b$B\n",
]


def assert_parses(raw: bytes) -> None:
    report = analyse(raw)  # unguarded, so the fuzzer sees any exception
    assert isinstance(report, Report)
    assert isinstance(report.kind, ReportKind)
    assert parse_report(raw) == report
    for recipient in report.recipients:
        assert "@" in recipient.address
        assert recipient.address == recipient.address.lower()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(raw: bytes) -> None:
    assert_parses(raw)


@FUZZ
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_report_shaped_noise(fragments: list[bytes]) -> None:
    assert_parses(b"".join(fragments))


@st.composite
def mutated_reports(draw: st.DrawFn) -> bytes:
    """A corpus report with a few bytes overwritten, spans cut out or spliced in."""
    raw = bytearray(read(draw(st.sampled_from(NAMES))))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        at = draw(st.integers(min_value=0, max_value=max(len(raw) - 1, 0)))
        action = draw(st.sampled_from(["overwrite", "delete", "insert", "truncate"]))
        if action == "overwrite":
            raw[at : at + 1] = draw(st.binary(min_size=1, max_size=1))
        elif action == "delete":
            del raw[at : at + draw(st.integers(min_value=1, max_value=400))]
        elif action == "insert":
            raw[at:at] = draw(st.sampled_from(FRAGMENTS) | st.binary(max_size=64))
        else:
            del raw[at:]
    return bytes(raw)


@FUZZ
@given(mutated_reports())
def test_mutated_corpus_reports(raw: bytes) -> None:
    assert_parses(raw)


@FUZZ
@given(st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=80), max_size=40))
def test_mbox_split_of_anything(lines: list[bytes]) -> None:
    messages = list(split_mbox(lines))
    assert all(isinstance(m, bytes) and m.strip() for m in messages)
    for message in messages:
        assert_parses(message)


def test_nesting_deeper_than_the_recursion_limit() -> None:
    deep_messages = b"Content-Type: message/rfc822\n\n" * 1500 + b"Subject: x\n\nbody"
    deep_parts = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(1500)
    )
    for raw in (deep_messages, deep_parts):
        assert_parses(raw)
