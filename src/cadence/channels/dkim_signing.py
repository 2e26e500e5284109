"""DKIM signatures (RFC 6376, rsa-sha256, relaxed/relaxed) for the messages we build.

Canonicalisation and hashing are our own (a few byte operations on the one message shape
we build; dkimpy verifies them in the tests), and the RSA operation is done by
``cryptography`` (OpenSSL, without holding the GIL), because both run once per recipient
on the send path: dkimpy's generic parser and regular expressions cost about as much as
the RSA signature itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

SIGNED_HEADERS: Final = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)
_WSP: Final = re.compile(rb"[\t ]+")
_TRAILING_WSP: Final = re.compile(rb"[\t ]+\r\n")
_PADDING: Final = padding.PKCS1v15()
_PREHASHED: Final = utils.Prehashed(hashes.SHA256())


def relaxed_body(body: bytes) -> bytes:
    """The relaxed body canonicalisation (RFC 6376 3.4.4): no whitespace at line ends,
    runs of whitespace as one space, no empty lines at the end, and a final CRLF."""
    if b"\t" in body or b"  " in body or b" \r\n" in body:  # our bodies rarely have any
        body = _WSP.sub(b" ", _TRAILING_WSP.sub(b"\r\n", body))
    end = len(body)
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    return body[:end] + b"\r\n" if end else b""


def relaxed_header(name: bytes, value: bytes) -> bytes:
    """One header field in the relaxed canonical form (RFC 6376 3.4.2), without CRLF."""
    unfolded = value.replace(b"\r\n", b"").replace(b"\n", b"")
    return name.rstrip().lower() + b":" + _WSP.sub(b" ", unfolded).strip()


def relaxed_headers(head: bytes) -> dict[bytes, bytes]:
    """Each field of a header block by lower-case name, canonical (the last one of a name
    wins, as signers and verifiers select fields from the bottom)."""
    fields: list[list[bytes]] = []
    for line in head.split(b"\r\n"):
        if not line:
            continue
        if line[0] in (9, 32) and fields:  # a folded continuation
            fields[-1][1] += line
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError(f"not a header field: {line[:80]!r}")
        fields.append([name, value])
    return {name.rstrip().lower(): relaxed_header(name, value) for name, value in fields}


def _load(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the DKIM key must be an RSA private key (PEM)")
    return key


@dataclass(frozen=True, kw_only=True)
class DkimKey:
    domain: str
    selector: str
    private_key: bytes  # PEM
    _rsa: rsa.RSAPrivateKey = field(init=False, repr=False, compare=False)
    _fixed_tags: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rsa", _load(self.private_key))
        fixed = f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={self.domain}; s={self.selector}; "
        object.__setattr__(self, "_fixed_tags", fixed.encode())

    @classmethod
    def load(cls, *, domain: str, selector: str, key: str) -> DkimKey:
        """``key`` is a PEM or the path of a PEM file."""
        pem = key.encode() if "-----BEGIN" in key else Path(key).read_bytes()
        return cls(domain=domain, selector=selector, private_key=pem)

    def sign(self, *, head: bytes, body: bytes, now: int) -> bytes:
        """The ``DKIM-Signature`` header (CRLF-terminated) for ``head`` + CRLF + ``body``.

        ``now`` is the signing time in epoch seconds (the ``t=`` tag).
        """
        fields = relaxed_headers(head)
        signed = [name for name in SIGNED_HEADERS if name in fields]
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        tags = b"%st=%d; h=%s; bh=%s;" % (self._fixed_tags, now, b":".join(signed), body_hash)
        # b= goes on its own folded line, so the tags hashed are exactly the tags sent
        value = b" " + tags + b"\r\n b="
        digest = hashlib.sha256()
        for name in signed:
            digest.update(fields[name] + b"\r\n")
        digest.update(relaxed_header(b"DKIM-Signature", value))  # hashed without its CRLF
        signature = self._rsa.sign(digest.digest(), _PADDING, _PREHASHED)
        return b"DKIM-Signature:" + value + base64.b64encode(signature) + b"\r\n"
