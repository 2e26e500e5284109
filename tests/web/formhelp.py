"""A workspace with a subscribe form, and reading its page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

FORMS = """
forms:
  - key: newsletter
    title: Stay in the loop
    intro: One message a week at most, about what you choose.
    wording: Yes, send me the topics I ticked by the channels I ticked. I can leave any time.
    topics: [news, offers]
    channels: [email, sms]
    frequencies: [weekly, monthly]
    embed_origins: [https://www.example.com]
    audiences:
      - key: customers
        condition: {field: purchases.count, op: gte, value: 1}
      - key: b2b
        context: {email_domain: business}
      - key: social
        context: {utm_source: [linkedin, x]}
      - key: germany
        context: {country: [de]}
    incentives:
      - {key: guide, text: "Free guide: the B2B playbook", audiences: [b2b, social]}
      - {key: save10, text: "Save 10% on your next order", audiences: [customers]}
      - {key: prize, text: "Win a weekend away"}
"""


def apply_forms(client: TestClient, text: str = FORMS) -> None:
    answer = client.put("/api/config", content=text.encode())
    assert answer.status_code == 200, answer.text


def view_token(html: str) -> str:
    found = re.search(r'name="v" value="([0-9]+\.[0-9]+\.[0-9a-f]{64})"', html)
    assert found, "no display token on the form"
    return found.group(1)
