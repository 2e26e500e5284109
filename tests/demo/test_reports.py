"""The demo's bounce and complaint reports read back as the real parser reads them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.channels.bounces import ReportKind, parse_report
from cadence.channels.mail import message_ref, send_of
from cadence.demo import reports

KEY = b"k" * 32


def _eml(send_id: int, recipient: str) -> bytes:
    return (
        f"From: News <news@example.com>\r\nTo: {recipient}\r\n"
        f"Message-ID: <{message_ref(key=KEY, send_id=send_id)}@example.com>\r\n"
        "Subject: Hello\r\n\r\nbody\r\n"
    ).encode()


@settings(max_examples=30, deadline=None)
@given(
    send_id=st.integers(min_value=1, max_value=10**9),
    local=st.from_regex(r"[a-z][a-z0-9.]{0,20}", fullmatch=True),
    kind=st.sampled_from(["hard", "soft"]),
)
def test_a_delivery_status_report_names_the_send_and_the_address(
    send_id: int, local: str, kind: str
) -> None:
    recipient = f"{local}@example.org"
    report = parse_report(reports.delivery_status(eml=_eml(send_id, recipient), kind=kind, at=0))
    assert report.kind.value == f"{kind}_bounce"
    assert send_of(key=KEY, text=report.original_message_id) == send_id
    assert [r.address for r in report.recipients] == [recipient]
    assert [str(r.kind) for r in report.recipients] == [kind]


def test_a_feedback_report_is_a_complaint_about_the_send() -> None:
    report = parse_report(reports.complaint(eml=_eml(42, "ann@example.org"), at=0))
    assert report.kind is ReportKind.COMPLAINT
    assert send_of(key=KEY, text=report.original_message_id) == 42
    assert [r.address for r in report.recipients] == ["ann@example.org"]
