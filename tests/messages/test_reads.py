"""What a message's templates read, and the batch render that builds only that: for a
message reading only what the contacts table holds, a campaign renders from that table,
and the result is the same as rendering with the whole contact JSON."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from cadence.contacts.service import contacts_json
from cadence.db.engine import UnitOfWork, unit_of_work
from cadence.messages.config import validate
from cadence.messages.models import BlockOption, Message, MessageLinks, Rendered
from cadence.messages.reads import Reads, message_reads
from cadence.messages.render import Prepared, RenderFailed, prepare
from cadence.messages.service import render_prepared
from cadence.sending.render import ROW_FIELDS, _row_contacts, render_many
from tests.consent.apihelp import engine_of
from tests.helpers import call, contact_by, send

NOW = 1_796_000_000_000


def email(**parts: Any) -> Message:
    return Message(key="m", channel="email", topic="offers", **parts)


def reads(text: str, **parts: Any) -> Reads:
    return message_reads(email(text=text, **parts))


def test_keys_read_by_literal_name() -> None:
    assert reads("{{ contact.traits.city | default('x') }} {{ contact['email'] }}") == Reads(
        contact=frozenset({"traits", "email"}), recent_events=False
    )
    assert reads("Hi {{ first_name() }} {{ links.unsubscribe }}").contact == {"traits"}
    assert reads("{{ contact.score.band }}").contact == {"score"}
    assert reads("{% for e in recent_events %}{{ e.name }}{% endfor %}") == Reads(
        contact=frozenset(), recent_events=True
    )


def test_anything_else_counts_as_reading_the_whole_contact() -> None:
    for text in (
        "{{ contact | length }}",
        "{% for key in contact %}{{ key }}{% endfor %}",
        "{% set c = contact %}{{ c.email }}",
        "{{ contact[contact.traits.field | default('email')] }}",
        "{{ account.name | default('you') }}",
        "{% if 'emea' in segments %}x{% endif %}",
    ):
        assert reads(text).contact is None, text


def test_every_template_of_the_message_counts() -> None:
    message = email(
        subject="{{ contact.user_id | default('') }}",
        html="<p>{{ blocks.offer }}</p>",
        blocks=(("offer", (_option("<b>{{ contact.purchases.count }}</b>"),)),),
    )
    assert message_reads(message).contact == {"user_id", "purchases"}
    webhook = Message(
        key="w", channel="webhook", topic="offers", json={"a": ["{{ contact.lifecycle_stage }}"]}
    )
    assert message_reads(webhook).contact == {"lifecycle_stage"}


def _option(html: str) -> BlockOption:
    return BlockOption(html=html)


@given(st.sampled_from(sorted(ROW_FIELDS)), st.sampled_from(["traits", "x", "email"]))
def test_a_literal_key_is_read_whichever_way_it_is_written(key: str, inner: str) -> None:
    dotted = reads(f"{{{{ contact.{key}.{inner} | default('') }}}}").contact
    indexed = reads(f"{{{{ contact['{key}']['{inner}'] | default('') }}}}").contact
    assert dotted == indexed == {key}


LIGHT = (
    "{{ first_name('there') }} <{{ contact.email }}> {{ contact.traits.city | default('-') }} "
    "{{ contact.purchases.count }} {{ contact.purchases.total }} "
    "{{ contact.created_at }} {{ contact.last_seen_at | default('never') }} {{ links.unsubscribe }}"
)
FULL = LIGHT + " {{ contact.score.band }} {% for s in segments %}{{ s }}{% endfor %}"


def people(client: TestClient) -> list[int]:
    send(
        client,
        call("identify", userId="ada", traits={"email": "ada@example.org", "first_name": "Ada"}),
        call("identify", userId="bo", traits={"email": "bo@example.org", "city": "Oslo"}),
        call("track", userId="bo", event="Order Completed", properties={"revenue": 42.5}),
        call("identify", userId="cy", traits={"name": "Cy Young"}),
    )
    return [int(contact_by(client, user_id=u)["id"]) for u in ("ada", "bo", "cy")]


def test_row_contacts_are_the_contact_json_restricted(client: TestClient) -> None:
    ids = people(client)
    with unit_of_work(engine_of(client), write=False) as uow:
        light = _row_contacts(uow, [*ids, 10_000_000])
        full = {int(c["id"]): c for c in contacts_json(uow, ids)}
    assert sorted(light) == sorted(ids)
    for cid in ids:
        assert light[cid] == {k: full[cid][k] for k in ROW_FIELDS}


def render_one(uow: UnitOfWork, prepared: Prepared, cid: int, links: MessageLinks) -> object:
    try:
        return render_prepared(uow=uow, prepared=prepared, contact_id=cid, now=NOW, links=links)
    except RenderFailed as failure:
        return str(failure)


def test_batch_render_equals_the_single_contact_render(client: TestClient) -> None:
    ids = people(client)
    links = {
        cid: MessageLinks(preferences=f"https://c.example/p/{cid}", unsubscribe=f"https://u/{cid}")
        for cid in ids
    }
    for text in (LIGHT, FULL):
        raw = {"key": "m", "channel": "email", "topic": "offers", "subject": "Hi", "text": text}
        prepared = prepare(validate(raw))
        with unit_of_work(engine_of(client), write=False) as uow:
            batch = render_many(uow, prepared=prepared, links=links, now=NOW)
            one = {cid: render_one(uow, prepared, cid, links[cid]) for cid in ids}
        shown = {
            cid: result if isinstance(result, Rendered) else str(result)
            for cid, result in batch.items()
        }
        assert shown == one
        ada, bo, cy = (shown[cid] for cid in ids)
        assert isinstance(ada, Rendered) and "Ada <ada@example.org>" in str(ada.text)
        assert isinstance(bo, Rendered) and " 1 42.5 " in str(bo.text)
        assert cy == "text: line 1: 'email' has no value; give it a fallback with | default('...')"
