"""Building one outgoing email as bytes: headers, text and HTML parts, tracking, DKIM.

Built by hand rather than through ``email.message`` because it runs once per recipient on
the send path: a fixed multipart/alternative shape with quoted-printable parts is all we
ever need, and the stdlib's generic machinery costs more than the SMTP round trip.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Final

from cadence.channels.base import Outgoing
from cadence.channels.dkim_signing import DkimKey
from cadence.channels.plaintext import html_to_text
from cadence.channels.tracking import Tracker, with_preheader

_BREAKS: Final = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")
_MESSAGE_REF: Final = re.compile(r"cadence\.(\d+)\.([0-9a-f]{12})")


def message_ref(*, key: bytes, send_id: int) -> str:
    """``cadence.<send_id>.<mac>``: the unforgeable part of our Message-ID."""
    mac = hmac.new(key, b"msgid." + str(send_id).encode(), hashlib.sha256).hexdigest()[:12]
    return f"cadence.{send_id}.{mac}"


def send_of(*, key: bytes, text: str | None) -> int | None:
    """The send id in a Message-ID or X-Cadence-Message we made; None for anything else."""
    for match in _MESSAGE_REF.finditer(text or ""):
        send_id = int(match.group(1))
        if hmac.compare_digest(message_ref(key=key, send_id=send_id), match.group(0)):
            return send_id
    return None


def _header(name: str, value: str) -> bytes:
    """One header line; line breaks in the value (say, from a personalised subject) become
    spaces, so no value can add a header of its own."""
    value = _BREAKS.sub(" ", value)
    if value.isascii() and len(value) < 900:
        return f"{name}: {value}\r\n".encode()
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode()


def _qp(text: str) -> bytes:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(normalised, istext=True).replace(b"\n", b"\r\n")


def _part_headers(content_type: str) -> bytes:
    return (
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
    ).encode()


def _part(content_type: str, text: str) -> bytes:
    return _part_headers(content_type) + b"\r\n" + _qp(text)


@dataclass(frozen=True, kw_only=True)
class Built:
    message_id: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class MailBuilder:
    """Turns an ``Outgoing`` into signed RFC 5322 bytes."""

    sender: str  # the From header, e.g. "Cadence <news@example.com>"
    key: bytes  # signs Message-IDs (the tracking key)
    tracker: Tracker | None = None
    dkim_key: DkimKey | None = None
    envelope_from: str = field(init=False)
    domain: str = field(init=False)
    _from_header: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name, address = parseaddr(self.sender)
        if "@" not in address:
            raise ValueError(f"CADENCE_MAIL_FROM has no address: {self.sender!r}")
        object.__setattr__(self, "envelope_from", address)
        object.__setattr__(self, "domain", address.rpartition("@")[2])
        from_header = _header("From", formataddr((name, address), charset="utf-8"))
        object.__setattr__(self, "_from_header", from_header)

    def build(self, item: Outgoing) -> Built:
        """The message, signed when a DKIM key is configured."""
        rendered = item.rendered
        ref = message_ref(key=self.key, send_id=item.send_id)
        message_id = f"<{ref}@{self.domain}>"
        content_headers, body = self._body(item)
        head = b"".join(
            (
                self._from_header,
                _header("To", item.address),
                _header("Subject", rendered.subject or ""),
                _header("Date", formatdate(item.at / 1000, usegmt=True)),
                _header("Message-ID", message_id),
                _header("X-Cadence-Message", ref),
                _header("List-Unsubscribe", f"<{item.links.unsubscribe}>"),
                _header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                b"MIME-Version: 1.0\r\n",
                content_headers,
            )
        )
        if self.dkim_key is not None:
            head = self.dkim_key.sign(head=head, body=body, now=item.at // 1000) + head
        return Built(message_id=message_id, data=head + b"\r\n" + body)

    def _body(self, item: Outgoing) -> tuple[bytes, bytes]:
        """The top-level content headers and the body."""
        rendered = item.rendered
        html = rendered.html
        text = rendered.text if rendered.text is not None else html_to_text(html or "")
        if html is None:
            return _part_headers("text/plain"), _qp(text)
        html = with_preheader(html, rendered.preheader)
        if self.tracker is not None:
            keep = frozenset({item.links.unsubscribe, item.links.preferences})
            html = self.tracker.rewrite(html, send_id=item.send_id, keep=keep)
        boundary = f"=_cadence_{item.send_id}"
        body = (
            f"--{boundary}\r\n".encode()
            + _part("text/plain", text)
            + f"\r\n--{boundary}\r\n".encode()
            + _part("text/html", html)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'.encode(), body
