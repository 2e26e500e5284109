"""Which trait a channel reaches a contact at: the convention (``phone``/``phone_number``/
``mobile`` for SMS and phone, ``webhook_url`` for webhooks), or the traits written for the
channel in the workspace's ``channels:`` list, checked with path-naming errors and
exported as written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from cadence.api.app import create_app
from cadence.cli import app
from cadence.config import Settings
from cadence.db.tables import send_jobs
from cadence.scheduler import run_until_idle
from cadence.sending.addresses import (
    CONVENTION,
    PHONE_TRAITS,
    AddressTraits,
    address_for,
    read_address_traits,
)
from tests.channels.conftest import HttpReceiver, http_receiver
from tests.conftest import ADMIN_KEY
from tests.consent.apihelp import consent, engine_of, new_contact
from tests.sending.test_delivery import NOW, book

__all__ = ["http_receiver"]

WORKSPACE = """
topics: [offers]
channels:
  - email
  - {name: sms, address_traits: [mobile_e164, phone]}
consent: {double_opt_in: []}
messages:
  - {key: flash, channel: sms, topic: offers, text: 'Flash sale today'}
"""

TRAIT_NAMES = st.sampled_from(["phone", "phone_number", "mobile", "mobile_e164", "other"])
VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=8))


@given(st.dictionaries(TRAIT_NAMES, VALUES), st.lists(TRAIT_NAMES, min_size=1, unique=True))
def test_the_first_configured_trait_with_a_value_is_the_address(
    traits: dict[str, Any], order: list[str]
) -> None:
    config = AddressTraits({**CONVENTION.by_channel, "sms": tuple(order)})
    found = address_for(channel="sms", email="a@example.org", traits=traits, config=config)
    present = [traits[k].strip() for k in order if isinstance(traits.get(k), str)]
    assert found == next((value for value in present if value), "")
    assert address_for(channel="email", email="a@example.org", traits=traits, config=config) == (
        "a@example.org"
    )


def test_the_convention_is_the_default() -> None:
    assert CONVENTION.of("sms") == CONVENTION.of("phone") == PHONE_TRAITS
    traits = {"phone": " ", "mobile": "+15550100", "webhook_url": "https://crm.example/h"}
    assert address_for(channel="sms", email=None, traits=traits) == "+15550100"
    assert address_for(channel="webhook", email=None, traits=traits) == "https://crm.example/h"
    assert address_for(channel="direct_mail", email=None, traits=traits) == ""
    config, errors = read_address_traits(["email", "sms", {"name": "webhook"}])
    assert (config, errors) == (CONVENTION, [])
    assert config.configured() == {}


def test_address_traits_are_checked_with_their_paths() -> None:
    _, errors = read_address_traits(
        [
            {"name": "email", "address_traits": ["work_email"]},
            {"name": "sms", "address_traits": ["mobile", "bad name", "mobile"]},
            {"name": "webhook", "address_traits": [], "colour": "red"},
            {"address_traits": "phone"},
            {"name": "phone", "address_traits": 5},
        ]
    )
    assert {(e.field, e.message.split(":")[0].split(";")[0]) for e in errors} == {
        ("channels[0].address_traits", "channel 'email' is addressed by the contact's email"),
        ("channels[1].address_traits[1]", "not a trait name"),
        ("channels[1].address_traits[2]", "duplicate trait 'mobile'"),
        ("channels[2].address_traits", "a trait name or a non-empty list of trait names"),
        ("channels[2].colour", "unknown key (name, address_traits)"),
        ("channels[3].name", "a channel name is required"),
        ("channels[4].address_traits", "a trait name or a non-empty list of trait names"),
    }


@pytest.fixture
def sms(settings: Settings, http_receiver: HttpReceiver) -> Iterator[tuple[TestClient, Settings]]:
    configured = settings.model_copy(
        update={
            "sms_api_url": f"{http_receiver.url}/2010-04-01/Accounts/AC1",
            "sms_account_sid": "AC1",
            "sms_auth_token": "token",
            "sms_from": "+15005550006",
        }
    )
    with TestClient(create_app(configured)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
        yield client, configured


def test_sms_goes_to_the_configured_trait(
    sms: tuple[TestClient, Settings], http_receiver: HttpReceiver
) -> None:
    sms_client, settings = sms
    applied = sms_client.put("/api/config", content=WORKSPACE)
    assert applied.status_code == 200, applied.text
    new_style = new_contact(sms_client, "a@example.org", mobile_e164="+4915112345678")
    old_style = new_contact(sms_client, "b@example.org", mobile="+15550100", phone="+15550199")
    only_convention = new_contact(sms_client, "c@example.org", phone_number="+15550123")
    for cid in (new_style, old_style, only_convention):
        consent(sms_client, cid, channel="sms", topic="offers")
        book(sms_client, cid, "flash", f"flash-{cid}")
    run_until_idle(engine_of(sms_client), now=NOW, settings=settings)

    sent_to = sorted(parse_qs(r.body.decode())["To"][0] for r in http_receiver.requests)
    assert sent_to == ["+15550199", "+4915112345678"]  # `phone` is second in the list
    j = send_jobs.c
    with engine_of(sms_client).connect() as conn:
        failed = conn.execute(select(j.contact_id, j.detail).where(j.state == "failed"))
        outcome = {int(r[0]): r[1] for r in failed}
    assert outcome == {only_convention: "the contact has no sms address"}


def test_a_bad_channel_entry_is_refused_and_nothing_is_written(client: TestClient) -> None:
    assert client.put("/api/config", content=WORKSPACE).status_code == 200
    before = client.get("/api/config").json()
    bad = WORKSPACE.replace("[mobile_e164, phone]", "[mobile_e164, 'not a trait']")
    bad = bad.replace("  - email\n", "  - {name: email, address_traits: [work]}\n")
    answer = client.put("/api/config", content=bad)
    assert answer.status_code == 400, answer.text
    fields = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert set(fields) == {"channels[0].address_traits", "channels[1].address_traits[1]"}
    assert "addressed by the contact's email" in fields["channels[0].address_traits"]
    assert client.get("/api/config").json() == before


def test_exported_as_written(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "workspace.yaml"
    source.write_text(WORKSPACE)
    env = {"CADENCE_DATABASE_URL": database_url}
    runner = CliRunner()
    applied = runner.invoke(app, ["apply", str(source)], env=env)
    assert applied.exit_code == 0, applied.output
    exported = yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)
    assert exported["channels"] == [
        "email",
        {"name": "sms", "address_traits": ["mobile_e164", "phone"]},
    ]
    assert runner.invoke(app, ["apply", str(source)], env=env).exit_code == 0
    again = runner.invoke(app, ["apply", str(source)], env=env)
    assert "0 definition(s) changed" in again.output
