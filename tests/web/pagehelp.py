"""Driving the pages as a browser without JavaScript would: GET, read the form, POST it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from cadence.consent.links import signing_key
from cadence.consent.tokens import sign
from cadence.db.tables import consent_ledger
from tests.consent.apihelp import count

SECRET = "test-secret-key-not-for-production"
KEY = signing_key(secret=SECRET)


def links(client: TestClient, contact_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/contacts/{contact_id}/links")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def form_action(html: str) -> str:
    found = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert found
    return found[-1]


def tamper(token: str) -> str:
    """Change one character of the payload (still valid base64url)."""
    payload, signature = token.split(".")
    flipped = "A" if payload[5] != "A" else "B"
    return f"{payload[:5]}{flipped}{payload[6:]}.{signature}"


def token_for(purpose: str, contact_id: int, *, expires_at: int, **claims: str) -> str:
    return sign(key=KEY, purpose=purpose, contact_id=contact_id, expires_at=expires_at, **claims)


def ledger_size(client: TestClient) -> int:
    return count(client, consent_ledger)
