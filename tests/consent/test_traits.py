"""The identify trait convention: pure reading, and recording through the service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cadence.consent.identify import record_from_traits
from cadence.consent.models import Action, Basis, Frequency, Source
from cadence.consent.traits import TraitConsent, TraitsError, consent_from_traits
from cadence.runtime import now_millis

from .apihelp import new_contact, outbox_payloads, uow


def test_reads_the_documented_convention() -> None:
    traits = {
        "consent": {
            "email": {"offers": "granted", "news": "withdrawn"},
            "sms": False,
            "phone": {"events": {"status": "granted", "frequency": "monthly"}},
            "wording": "Yes please",
            "source": "form",
        },
        "first_name": "Ana",
    }
    found = consent_from_traits(traits=traits)
    assert found == [
        TraitConsent(
            channel="email",
            topic="offers",
            action=Action.GRANTED,
            source=Source.FORM,
            basis=Basis.EXPRESS,
            wording="Yes please",
        ),
        TraitConsent(
            channel="email",
            topic="news",
            action=Action.WITHDRAWN,
            source=Source.FORM,
            wording="Yes please",
        ),
        TraitConsent(
            channel="sms",
            topic="*",
            action=Action.WITHDRAWN,
            source=Source.FORM,
            wording="Yes please",
        ),
        TraitConsent(
            channel="phone",
            topic="events",
            action=Action.GRANTED,
            source=Source.FORM,
            basis=Basis.EXPRESS,
            wording="Yes please",
            frequency=Frequency.MONTHLY,
        ),
    ]
    assert consent_from_traits(traits={"first_name": "Ana"}) == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("yes", "consent"),
        ({"email": {"offers": "granted"}}, "consent.wording"),
        ({"email": {"offers": "maybe"}, "wording": "w"}, "consent.email.offers"),
        ({"email": "granted", "wording": "w", "source": "system"}, "consent.source"),
        ({"email": "granted", "wording": "w", "basis": "vibes"}, "consent.basis"),
        (
            {"sms": {"news": {"status": "granted", "paused_until": "soon"}}, "wording": "w"},
            "consent.sms.news.paused_until",
        ),
    ],
)
def test_rejects_what_breaks_it(spec: object, field: str) -> None:
    with pytest.raises(TraitsError) as raised:
        consent_from_traits(traits={"consent": spec})
    assert field in [p.field for p in raised.value.problems]


def test_record_from_traits_writes_entries_or_only_a_rejection(client: TestClient) -> None:
    cid = new_contact(client, "val@example.org")
    now = now_millis()
    traits = {
        "consent": {"sms": {"offers": "granted"}, "wording": "Text me offers", "source": "form"}
    }
    with uow(client) as work:
        report = record_from_traits(
            work,
            contact_id=cid,
            traits=traits,
            at=now - 1000,
            now=now,
            context={"ip": "192.0.2.1", "userAgent": "UA"},
        )
    assert report.recorded == 1 and report.problems == []
    (entry,) = client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]
    assert (entry["source"], entry["ip"], entry["user_agent"]) == ("form", "192.0.2.1", "UA")
    with uow(client) as work:
        bad = record_from_traits(
            work,
            contact_id=cid,
            traits={"consent": {"fax": "granted", "wording": "w"}},
            at=now,
            now=now,
        )
    assert bad.recorded == 0 and bad.problems[0].field == "channel"
    assert (
        outbox_payloads(client, "consent.traits_rejected")[0]["problems"][0]["field"] == "channel"
    )
    assert len(client.get(f"/api/contacts/{cid}/consents/history").json()["entries"]) == 1
