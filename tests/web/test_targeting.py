"""Audiences and incentives (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from cadence.conditions import ContactState, EvalContext
from cadence.forms.config import parse_section
from cadence.forms.targeting import Visitor, choose, email_domain_kind

CTX = EvalContext(now=datetime(2026, 1, 1, tzinfo=UTC))


def form() -> object:
    forms, errors = parse_section(
        {
            "forms": [
                {
                    "key": "f",
                    "title": "T",
                    "wording": "W",
                    "audiences": [
                        {"key": "ref", "context": {"referrer": ["example.com"]}},
                        {"key": "b2c", "context": {"email_domain": "consumer", "country": ["FR"]}},
                    ],
                    "incentives": [
                        {"key": "a", "text": "A", "audiences": ["ref"]},
                        {"key": "b", "text": "B", "audiences": ["b2c"]},
                    ],
                }
            ]
        }
    )
    assert errors == []
    return forms[0]


def test_email_domains() -> None:
    assert email_domain_kind("a@gmail.com") == "consumer"
    assert email_domain_kind("a@yahoo.co.uk") == "consumer"
    assert email_domain_kind("a@acme.io") == "business"
    assert email_domain_kind(None) is None


def test_first_matching_audience_and_its_incentive() -> None:
    spec = form()
    assert choose(spec, Visitor(referrer_host="blog.example.com"), ctx=CTX)[0] == "ref"  # type: ignore[arg-type]
    assert choose(spec, Visitor(referrer_host="notexample.com"), ctx=CTX)[0] == "everyone"  # type: ignore[arg-type]
    audience, incentive = choose(spec, Visitor(email="a@gmail.com", country="fr"), ctx=CTX)  # type: ignore[arg-type]
    assert (audience, incentive.key if incentive else None) == ("b2c", "b")
    assert choose(spec, Visitor(email="a@gmail.com"), ctx=CTX) == ("everyone", None)  # type: ignore[arg-type]


def test_conditions_only_match_known_visitors() -> None:
    forms, errors = parse_section(
        {
            "forms": [
                {
                    "key": "f",
                    "title": "T",
                    "wording": "W",
                    "audiences": [
                        {
                            "key": "vip",
                            "condition": {"field": "traits.plan", "op": "eq", "value": "pro"},
                        }
                    ],
                    "incentives": [
                        {"key": "a", "text": "A", "audiences": ["vip"]},
                        {"key": "b", "text": "B"},
                    ],
                }
            ]
        }
    )
    assert errors == []
    known = ContactState(contact_id=1, traits={"plan": "pro"})
    assert choose(forms[0], Visitor(known=known), ctx=CTX)[0] == "vip"
    assert choose(forms[0], Visitor(), ctx=CTX)[0] == "everyone"
