"""Building an email: headers, parts, tracking rewrites, DKIM verified by dkimpy."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default

import dkim  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from cadence.channels.dkim_signing import DkimKey
from cadence.channels.mail import MailBuilder, send_of
from cadence.channels.plaintext import html_to_text
from cadence.channels.tracking import (
    Tracker,
    click_token,
    open_token,
    read_click,
    read_open,
    tracking_key,
)
from tests.channels.conftest import DkimPair, outgoing

KEY = tracking_key(secret="test-secret-key-not-for-production")
BASE = "https://cadence.example"


def builder(dkim_key: DkimKey | None = None, *, track: bool = True) -> MailBuilder:
    return MailBuilder(
        sender="Ådå's Shop <news@shop.example>",
        key=KEY,
        tracker=Tracker(key=KEY, base_url=BASE) if track else None,
        dkim_key=dkim_key,
    )


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert isinstance(part, EmailMessage)
            found[part.get_content_type()] = str(part.get_content())
    return found


def test_headers_and_parts() -> None:
    built = builder().build(outgoing(42, subject="Grüße, Ada: your offer"))
    message = parse(built.data)
    assert message["Subject"] == "Grüße, Ada: your offer"
    assert message["To"] == "ada@example.org"
    assert message["From"].addresses[0].addr_spec == "news@shop.example"
    assert message["From"].addresses[0].display_name == "Ådå's Shop"
    assert message["Message-ID"] == built.message_id
    assert message["List-Unsubscribe"] == "<https://cadence.example/u/UNSUBTOKEN>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Date"].datetime.timestamp() == 1_795_000_000
    assert message.get_content_type() == "multipart/alternative"
    texts = parts(message)
    assert set(texts) == {"text/plain", "text/html"}
    assert "the offer (https://example.com/offer?a=1&b=2)" in texts["text/plain"]
    assert "Ten percent off, this week only" in texts["text/html"]
    assert "display:none" in texts["text/html"]


@given(subject=st.text(max_size=80), address=st.text(max_size=40))
def test_no_value_can_add_a_header(subject: str, address: str) -> None:
    injected = f"{subject}\r\nBcc: victim@example.org\nX-Evil: 1"
    data = builder(track=False).build(outgoing(1, subject=injected, address=address)).data
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"]
    assert b"Bcc" not in names and b"X-Evil" not in names
    assert b"\n" not in head.replace(b"\r\n", b"")


def test_message_id_matches_back_to_the_send_and_resists_forgery() -> None:
    built = builder().build(outgoing(1234))
    assert send_of(key=KEY, text=built.message_id) == 1234
    assert send_of(key=KEY, text=parse(built.data)["X-Cadence-Message"]) == 1234
    forged = built.message_id.replace("cadence.1234.", "cadence.1235.")
    assert send_of(key=KEY, text=forged) is None
    assert (
        send_of(key=tracking_key(secret="another-installation-secret"), text=built.message_id)
        is None
    )


def test_links_are_tracked_except_personal_links_and_a_pixel_is_added() -> None:
    html = (
        "<body><a href=\"https://example.com/a\">A</a> <a href='mailto:x@y.z'>mail</a>"
        '<a href="https://cadence.example/u/UNSUBTOKEN">unsubscribe</a></body>'
    )
    texts = parts(parse(builder().build(outgoing(9, html=html)).data))
    tracked = re.findall(r'href="https://cadence\.example/t/c/([^"]+)"', texts["text/html"])
    assert len(tracked) == 1
    click = read_click(key=KEY, token=tracked[0])
    assert click is not None and (click.send_id, click.url) == (9, "https://example.com/a")
    assert "mailto:x@y.z" in texts["text/html"]
    assert 'href="https://cadence.example/u/UNSUBTOKEN"' in texts["text/html"]
    pixel = re.search(r'src="https://cadence\.example/t/o/([^"]+)"', texts["text/html"])
    assert pixel is not None and read_open(key=KEY, token=pixel.group(1)) == 9
    assert texts["text/html"].index("/t/o/") < texts["text/html"].index("</body>")


def test_text_only_message_is_a_single_plain_part() -> None:
    message = parse(builder().build(outgoing(3, html=None, text="Hello Ada\n")).data)
    assert message.get_content_type() == "text/plain"
    assert str(message.get_content()).strip() == "Hello Ada"


def test_dkim_signature_verifies_with_the_public_key(dkim_pair: DkimPair) -> None:
    key = DkimKey.load(domain="shop.example", selector="s2026", key=dkim_pair.private_pem)
    data = builder(key).build(outgoing(5)).data

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"s2026._domainkey.shop.example."
        return dkim_pair.public_record

    assert data.startswith(b"DKIM-Signature:")
    signed = parse(data)["DKIM-Signature"]
    assert "list-unsubscribe" in signed and "message-id" in signed
    assert dkim.verify(data, dnsfunc=dns)
    tampered = data.replace(b"Your spring offer", b"Your autumn offer")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_plain_text_from_html() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><h1>Hello</h1>"
        "<p>Read <a href='https://example.com/x'>more</a></p><ul><li>one</li><li>two</li></ul>"
        "</body></html>"
    )
    assert html_to_text(html) == "Hello\n\nRead more (https://example.com/x)\n\n- one\n- two\n"


@given(send_id=st.integers(min_value=0, max_value=2**62), url=st.text(min_size=1))
def test_click_tokens_round_trip_and_bind_the_url(send_id: int, url: str) -> None:
    url = "https://example.com/" + url
    token = click_token(key=KEY, send_id=send_id, url=url)
    click = read_click(key=KEY, token=token)
    assert click is not None and (click.send_id, click.url) == (send_id, url)
    assert read_open(key=KEY, token=token) is None  # a click token is not an open token
    other = click_token(key=tracking_key(secret="someone-else-secret"), send_id=send_id, url=url)
    assert read_click(key=KEY, token=other) is None


@given(send_id=st.integers(min_value=0, max_value=2**62), data=st.data())
def test_any_changed_character_is_rejected(send_id: int, data: st.DataObject) -> None:
    token = open_token(key=KEY, send_id=send_id)
    index = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    )
    changed = token[:index] + replacement + token[index + 1 :]
    if changed != token:
        assert read_open(key=KEY, token=changed) is None


_URL_PATH = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\"'<>&\r\n"), max_size=30
)


@given(paths=st.lists(_URL_PATH, min_size=1, max_size=5), send_id=st.integers(0, 10**9))
def test_every_link_is_tracked_and_leads_back_to_itself(paths: list[str], send_id: int) -> None:
    urls = [f"https://example.com/{path}" for path in paths]
    html = "<body>" + "".join(f'<p><a class="x" href="{u}">{n}</a></p>' for n, u in enumerate(urls))
    rewritten = Tracker(key=KEY, base_url=BASE).rewrite(html + "</body>", send_id=send_id)
    tokens = re.findall(r'href="https://cadence\.example/t/c/([^"]+)"', rewritten)
    clicks = [read_click(key=KEY, token=token) for token in tokens]
    # like browsers, surrounding white space is not part of the link
    assert [(c.send_id, c.url) if c else None for c in clicks] == [
        (send_id, u.strip()) for u in urls
    ]


@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<li>", "a b", "\t", "&amp;", "x"])))
def test_plain_text_has_no_markup_and_no_runs_of_blank_lines(pieces: list[str]) -> None:
    text = html_to_text("".join(pieces))
    assert "<" not in text and ">" not in text
    assert "\n\n\n" not in text and "  " not in text and text.endswith("\n")
