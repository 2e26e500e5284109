"""DKIM signatures (RFC 6376, rsa-sha256, relaxed/relaxed) for the messages we build.

dkimpy does the canonicalization and header hashing (and verifies, in the tests); the RSA
operation is done by ``cryptography`` (OpenSSL), because dkimpy's pure-Python RSA costs
about 10 ms a message with a 2048-bit key, which would make signing, not SMTP, the limit
of a campaign send.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from dkim import hash_headers, rfc822_parse  # type: ignore[import-untyped]
from dkim.canonicalization import CanonicalizationPolicy  # type: ignore[import-untyped]

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
_POLICY: Final = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rsa", _load(self.private_key))

    @classmethod
    def load(cls, *, domain: str, selector: str, key: str) -> DkimKey:
        """``key`` is a PEM or the path of a PEM file."""
        pem = key.encode() if "-----BEGIN" in key else Path(key).read_bytes()
        return cls(domain=domain, selector=selector, private_key=pem)

    def sign(self, *, head: bytes, body: bytes, now: int) -> bytes:
        """The ``DKIM-Signature`` header (CRLF-terminated) for ``head`` + CRLF + ``body``.

        ``now`` is the signing time in epoch seconds (the ``t=`` tag).
        """
        headers, _ = rfc822_parse(head + b"\r\n")
        present = {name.lower() for name, _ in headers}
        signed = tuple(name for name in SIGNED_HEADERS if name in present)
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
        tags = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", b"relaxed/relaxed"),
            (b"d", self.domain.encode()),
            (b"s", self.selector.encode()),
            (b"t", str(now).encode()),
            (b"h", b":".join(signed)),
            (b"bh", body_hash),
        ]
        # b= goes on its own folded line, so the tags hashed are exactly the tags sent
        value = b" " + b"; ".join(b"=".join(tag) for tag in tags) + b";\r\n b="
        digest = hashlib.sha256()
        hash_headers(
            digest,
            _POLICY,
            _POLICY.canonicalize_headers(headers),
            signed,
            (b"DKIM-Signature", value),
            dict([*tags, (b"b", b"")]),
        )
        signature = self._rsa.sign(
            digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
        )
        return b"DKIM-Signature:" + value + base64.b64encode(signature) + b"\r\n"
