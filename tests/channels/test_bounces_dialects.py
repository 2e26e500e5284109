"""Hand-checked reports, one or more per dialect: exact recipient, status and hard/soft.

Each expectation was read off the message itself (the file named), not off the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cadence.channels.bounces import BounceKind, Category, ReportKind, parse_report
from tests.channels.bounce_corpus import read

HARD, SOFT = BounceKind.HARD, BounceKind.SOFT


@dataclass(frozen=True)
class Expected:
    address: str
    status: str | None
    kind: BounceKind
    category: Category


CASES: dict[str, tuple[ReportKind, list[Expected]]] = {
    # qmail: "<addr>:" then the remote reply, status from "(#5.5.0)"
    "lhost-qmail-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.ne.jp", "5.5.0", HARD, Category.USER_UNKNOWN)],
    ),
    # qmail gave up, but the server said 450 4.2.2 Mailbox Full: soft
    "lhost-qmail-06.eml": (
        ReportKind.SOFT_BOUNCE,
        [Expected("kijitora@example.jp", "4.2.2", SOFT, Category.MAILBOX_FULL)],
    ),
    # qmail, two recipients: one unknown (hard), one full under 552 5.2.2 (soft)
    "lhost-qmail-17.eml": (
        ReportKind.HARD_BOUNCE,
        [
            Expected("userunknown@libsisimai.net", "5.1.1", HARD, Category.USER_UNKNOWN),
            Expected("mailboxfull@libsisimai.net", "5.2.2", SOFT, Category.MAILBOX_FULL),
        ],
    ),
    # exim: "The following address(es) failed:" then the indented address
    "lhost-exim-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.ed.jp", "5.7.0", HARD, Category.BLOCKED)],
    ),
    "lhost-exim-02.eml": (
        ReportKind.HARD_BOUNCE,
        [
            Expected("kijitora@example.jp", "5.1.1", HARD, Category.USER_UNKNOWN),
            Expected("sabatora@example.jp", "5.2.1", HARD, Category.USER_UNKNOWN),
        ],
    ),
    # exim delay warning: "has not yet been delivered ... 450 service permits ..."
    "lhost-exim-38.eml": (
        ReportKind.DELAYED,
        [Expected("kijitora@example.co.jp", "4.0.0", SOFT, Category.OTHER)],
    ),
    # Postfix with a DSN part but a broken first MIME boundary: fields read from the text
    "rhost-google-02.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("neko-nyaan@example.org", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Postfix without a DSN part: "<addr>: Name service error ... Host not found"
    "lhost-postfix-34.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.com", None, HARD, Category.HOST_UNKNOWN)],
    ),
    # Sendmail, standard RFC 3464
    "rfc3464-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("userunknown@bouncehammer.jp", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Exchange 2003: "did not reach the following recipient(s): addr on <date>"
    "lhost-exchange2003-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.jp", None, HARD, Category.USER_UNKNOWN)],
    ),
    # Exchange 2007 with a DSN part
    "lhost-exchange2007-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("mikeneko@example.co.jp", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Office 365 plain text: "Delivery has failed to these recipients or groups"
    "lhost-office365-02.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.onmicrosoft.com", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Gmail: "Delivery to the following recipient failed permanently"
    "lhost-gmail-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("userunknown@example.jp", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Gmail delay: "has been delayed ... 450 4.2.2 Mailbox Full"
    "lhost-gmail-06.eml": (
        ReportKind.DELAYED,
        [Expected("kijitora@example.jp", "4.2.2", SOFT, Category.MAILBOX_FULL)],
    ),
    # Gmail, "failed permanently" with no code but "Storage quota exceeded": soft
    "lhost-gmail-19.eml": (
        ReportKind.SOFT_BOUNCE,
        [Expected("neko-nyaan@google.example.com", None, SOFT, Category.MAILBOX_FULL)],
    ),
    # Yahoo: "Sorry, we were unable to deliver your message to the following address."
    "lhost-yahoo-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@example.org", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    "lhost-yahoo-02.eml": (
        ReportKind.SOFT_BOUNCE,
        [Expected("kijitora@example.ed.jp", "5.2.2", SOFT, Category.MAILBOX_FULL)],
    ),
    # Amazon SES, DSN by email
    "lhost-amazonses-05.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("bounce@simulator.amazonses.com", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # Amazon SES, JSON notification by SNS (with SNS's "!" line wrapping)
    "lhost-amazonses-09.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("bounce@simulator.amazonses.com", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    "lhost-amazonses-10.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("bounce@simulator.amazonses.com", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # OpenSMTPD: "addr: reply" lines
    "lhost-opensmtpd-02.eml": (
        ReportKind.HARD_BOUNCE,
        [
            Expected("mailboxfull@example.jp", "5.2.2", SOFT, Category.MAILBOX_FULL),
            Expected("userunknown@example.jp", "5.1.1", HARD, Category.USER_UNKNOWN),
        ],
    ),
    # DragonFly: "There was an error delivering your mail to <addr>."
    "lhost-dragonfly-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("pseudo-local-part@google.example.com", "5.7.26", HARD, Category.BLOCKED)],
    ),
    # a bounce attached (message/rfc822) to a notice that says nothing itself
    "lhost-x5-01.eml": (
        ReportKind.HARD_BOUNCE,
        [Expected("kijitora@neko.example.org", "5.1.1", HARD, Category.USER_UNKNOWN)],
    ),
    # a bounce pasted as text (mbox "From " line and all) into another one
    "lhost-postfix-49.eml": (
        ReportKind.SOFT_BOUNCE,
        [Expected("kijitora-neko-nyaan@ntt.example.ne.jp", "4.0.0", SOFT, Category.OTHER)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_checked_reports(name: str) -> None:
    kind, expected = CASES[name]
    report = parse_report(read(name))
    assert report.kind is kind
    got = [(r.address, r.status, r.kind, r.category) for r in report.recipients]
    assert got == [(e.address, e.status, e.kind, e.category) for e in expected]


@pytest.mark.parametrize(
    ("name", "dialect"),
    [
        ("lhost-qmail-01.eml", "qmail"),
        ("lhost-exim-01.eml", "exim"),
        ("rhost-google-02.eml", "postfix"),
        ("lhost-exchange2003-01.eml", "exchange"),
        ("lhost-gmail-01.eml", "gmail"),
        ("lhost-yahoo-01.eml", "yahoo"),
        ("lhost-amazonses-09.eml", "amazon_ses"),
        ("lhost-opensmtpd-02.eml", "opensmtpd"),
        ("rfc3464-01.eml", "rfc3464"),
    ],
)
def test_dialect_is_recognised(name: str, dialect: str) -> None:
    assert parse_report(read(name)).dialect == dialect


def test_dsn_fields_give_reporting_and_remote_mta() -> None:
    report = parse_report(read("rfc3464-01.eml"))
    assert report.reporting_mta == "smtpgw.example.jp"
    assert report.recipients[0].remote_mta == "mx.bouncehammer.jp"
    assert report.recipients[0].action == "failed"
    assert report.recipients[0].diagnostic == (
        "550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"
    )
    assert report.original_message_id == "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>"
    assert report.original_recipient == "userunknown@bouncehammer.jp"


def test_text_dialects_give_reporting_and_remote_mta() -> None:
    qmail = parse_report(read("lhost-qmail-01.eml"))
    assert qmail.reporting_mta == "mx4.example.jp"  # "the qmail-send program at mx4.example.jp"
    assert qmail.recipients[0].remote_mta == "192.0.2.32"  # "remote host 192.0.2.32 said"
    exim = parse_report(read("lhost-exim-01.eml"))
    assert exim.recipients[0].remote_mta == "mx.example.jp"  # "host mx.example.jp [192.0.2.20]"


def test_the_sender_named_in_the_text_is_not_a_recipient() -> None:
    # "A message sent by <shironeko@email.example.com> could not be delivered ..."
    report = parse_report(read("lhost-exim-08.eml"))
    assert report.addresses == ("kijitora@example.org",)


def test_a_generic_dsn_status_is_made_specific_by_its_diagnostic() -> None:
    # Status: 5.0.0 with "Diagnostic-code: smtp; 550 5.7.1 550 User Unknown: ..."
    report = parse_report(read("lhost-messagingserver-03.eml"))
    assert [(r.address, r.status) for r in report.recipients] == [
        ("sabineko@example.org", "5.7.1"),
        ("mikeneko@example.org", "5.7.1"),
    ]
    # the words win over the code for the category, and the class decides hard
    assert {r.category for r in report.recipients} == {Category.USER_UNKNOWN}
    assert report.kind is ReportKind.HARD_BOUNCE


def test_a_dsn_without_diagnostics_borrows_the_prose_about_each_address() -> None:
    # the DSN says only "Status: 5.0.0"; the text says "userunknown@...: 550 5.1.1 ..."
    report = parse_report(read("lhost-opensmtpd-17.eml"))
    got = [(r.address, r.status, r.kind) for r in report.recipients]
    assert got == [
        ("userunknown@libsisimai.net", "5.1.1", HARD),
        ("mailboxfull@libsisimai.net", "5.2.2", SOFT),
    ]


def test_amazon_ses_complaint_and_delivery_notifications() -> None:
    complaint = parse_report(read("lhost-amazonses-11.eml"))
    assert complaint.kind is ReportKind.COMPLAINT
    assert complaint.feedback_type == "abuse"
    assert complaint.addresses == ("complaint@simulator.amazonses.com",)
    delivered = parse_report(read("lhost-amazonses-12.eml"))
    assert delivered.kind is ReportKind.DELIVERED
    assert delivered.recipients[0].action == "delivered"
    assert delivered.recipients[0].status == "2.6.0"
    assert delivered.recipients[0].kind is None


def test_delay_dsn_is_delayed_not_a_bounce() -> None:
    report = parse_report(read("rhost-gsuite-06.eml"))  # "Delivery Status Notification (Delay)"
    assert report.kind is ReportKind.DELAYED
    assert [(r.action, r.status, r.kind) for r in report.recipients] == [("delayed", "4.4.1", SOFT)]


def test_a_successful_dsn_is_delivered() -> None:
    report = parse_report(read("rfc3464-28.eml"))  # Action: deliverable, Status: 2.1.5
    assert report.kind is ReportKind.DELIVERED
    assert report.recipients[0].kind is None


def test_complaint_recipients_come_from_the_report() -> None:
    yahoo = parse_report(read("arf-02.eml"))  # Original-Rcpt-To
    assert yahoo.addresses == ("this-local-part-does-not-exist-on-yahoo@yahoo.com",)
    assert yahoo.feedback_type == "abuse"
    many = parse_report(read("arf-16.eml"))  # seven Original-Rcpt-To fields
    assert len(many.addresses) == 7
    opt_out = parse_report(read("arf-12.eml"))  # Removal-Recipient
    assert (opt_out.feedback_type, opt_out.addresses) == ("opt-out", ("user@example.com",))
    jmrp = parse_report(read("arf-22.eml"))  # Outlook.com JMRP, no ARF part
    assert (jmrp.kind, jmrp.addresses) == (ReportKind.COMPLAINT, ("kijitora@example.com",))
    apple = parse_report(read("arf-26.eml"))  # Apple Mail's unsubscribe button
    assert (apple.feedback_type, apple.addresses) == ("opt-out", ("example@icloud.com",))


def test_auto_reply_names_the_person_away() -> None:
    report = parse_report(read("rfc3834-02.eml"))  # "Automatic reply:" with no Auto-Submitted
    assert report.kind is ReportKind.AUTO_REPLY
    assert report.addresses == ("nekonyaan@example.org",)
    assert report.reason == "Automatic reply: Nyaan"


def test_exim_bounce_marked_auto_replied_is_still_a_bounce() -> None:
    raw = read("lhost-exim-01.eml")
    assert b"Auto-Submitted: auto-replied" in raw
    assert parse_report(raw).kind is ReportKind.HARD_BOUNCE


def test_an_aliased_recipient_keeps_the_address_we_sent_to() -> None:
    # Final-Recipient: r@p351355.pool.example.ne.jp, Original-Recipient: kijitora@example.org
    (recipient,) = parse_report(read("lhost-postfix-01.eml")).recipients
    assert recipient.address == "r@p351355.pool.example.ne.jp"
    assert recipient.original_address == "kijitora@example.org"
    assert (recipient.status, recipient.kind) == ("5.1.1", HARD)
    # the same address in both fields is not repeated
    assert parse_report(read("rhost-google-02.eml")).recipients[0].original_address is None


def test_a_block_of_our_sending_ip_is_hard_by_status_but_marked_sender_side() -> None:
    # "550 5.7.606 Access denied, banned sending IP": hard by its class, as specified,
    # but a suppression policy can see the address itself is not at fault.
    (recipient,) = parse_report(read("lhost-qmail-09.eml")).recipients
    assert (recipient.status, recipient.kind, recipient.category) == (
        "5.7.606",
        HARD,
        Category.BLOCKED,
    )
    assert recipient.sender_side
    (unknown,) = parse_report(read("rfc3464-01.eml")).recipients
    assert not unknown.sender_side
