"""The personal links every message carries: preference center, one-click unsubscribe, confirm.

Tokens are made by ``consent.tokens`` with a key derived from the application's secret,
so rotating the secret invalidates every outstanding link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from cadence.consent.models import DAY_MS
from cadence.consent.tokens import Purpose, sign

PREFERENCES_DAYS: Final = 90
UNSUBSCRIBE_DAYS: Final = 365  # RFC 8058 links must keep working long after the message
_DERIVATION: Final = b"cadence.links.v1:"

PATHS: Final = {Purpose.PREFS: "p", Purpose.UNSUB: "u", Purpose.CONFIRM: "c"}


def signing_key(*, secret: str) -> bytes:
    """The link-signing key: derived, so the secret itself never signs anything else here."""
    return hashlib.sha256(_DERIVATION + secret.encode()).digest()


@dataclass(frozen=True, kw_only=True)
class Links:
    """Signs personal URLs under ``base_url`` (no trailing slash)."""

    key: bytes
    base_url: str

    def _url(self, purpose: Purpose, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/{PATHS[purpose]}/{token}"

    def preferences_token(self, *, contact_id: int, now: int) -> str:
        return sign(
            key=self.key,
            purpose=Purpose.PREFS,
            contact_id=contact_id,
            expires_at=now + PREFERENCES_DAYS * DAY_MS,
        )

    def preferences(self, *, contact_id: int, now: int) -> str:
        return self._url(Purpose.PREFS, self.preferences_token(contact_id=contact_id, now=now))

    def unsubscribe(self, *, contact_id: int, channel: str, topic: str, now: int) -> str:
        token = sign(
            key=self.key,
            purpose=Purpose.UNSUB,
            contact_id=contact_id,
            expires_at=now + UNSUBSCRIBE_DAYS * DAY_MS,
            channel=channel,
            topic=topic,
        )
        return self._url(Purpose.UNSUB, token)

    def confirm(self, *, contact_id: int, channel: str, topic: str, expires_at: int) -> str:
        token = sign(
            key=self.key,
            purpose=Purpose.CONFIRM,
            contact_id=contact_id,
            expires_at=expires_at,
            channel=channel,
            topic=topic,
        )
        return self._url(Purpose.CONFIRM, token)
