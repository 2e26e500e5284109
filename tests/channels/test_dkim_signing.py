"""Our relaxed canonicalisation against dkimpy's, and signatures dkimpy verifies for any
personalised subject and body."""

from __future__ import annotations

import dkim  # type: ignore[import-untyped]
from dkim.canonicalization import CanonicalizationPolicy  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.channels.dkim_signing import DkimKey, relaxed_body, relaxed_headers
from cadence.channels.mail import MailBuilder
from cadence.channels.tracking import Tracker, tracking_key
from tests.channels.conftest import DkimPair, outgoing

RELAXED = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
KEY = tracking_key(secret="test-secret-key-not-for-production")
LINE = st.text(st.sampled_from(["a", "b", " ", "\t", "=", "é"]), max_size=12)


@given(st.lists(LINE, max_size=8), st.integers(min_value=0, max_value=3))
def test_body_canonicalisation_matches_dkimpy(lines: list[str], blank_tail: int) -> None:
    body = "\r\n".join(lines).encode() + b"\r\n" * blank_tail
    assert relaxed_body(body) == RELAXED.canonicalize_body(body)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Subject", "TO", "x-Custom", "From"]),
            st.lists(LINE.filter(lambda s: s.strip() != ""), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_header_canonicalisation_matches_dkimpy(fields: list[tuple[str, list[str]]]) -> None:
    # each field: a first line, then folded continuation lines (starting with whitespace)
    head = b"".join(
        f"{name}:{first}".encode() + b"".join(b"\r\n " + part.encode() for part in rest) + b"\r\n"
        for name, (first, *rest) in fields
    )
    parsed, _ = dkim.rfc822_parse(head + b"\r\n")
    theirs = {
        name.lower(): name + b":" + value for name, value in RELAXED.canonicalize_headers(parsed)
    }
    ours = relaxed_headers(head)
    assert {name: field + b"\r\n" for name, field in ours.items()} == theirs


@settings(max_examples=25, deadline=None)
@given(
    subject=st.text(max_size=120),
    html=st.text(max_size=300),
    text=st.one_of(st.none(), st.text(max_size=200)),
)
def test_any_personalised_message_verifies(
    dkim_pair: DkimPair, subject: str, html: str, text: str | None
) -> None:
    key = DkimKey.load(domain="shop.example", selector="s2026", key=dkim_pair.private_pem)
    builder = MailBuilder(
        sender="Ådå's Shop <news@shop.example>",
        key=KEY,
        tracker=Tracker(key=KEY, base_url="https://cadence.example"),
        dkim_key=key,
    )
    data = builder.build(outgoing(11, subject=subject, html=html, text=text)).data

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return dkim_pair.public_record

    assert dkim.verify(data, dnsfunc=dns)
