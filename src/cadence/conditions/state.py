"""Loading ContactStates in bulk: up to five queries per chunk of contacts, never one per
contact; given the conditions' dependencies, the account, event, consent and segment
queries run only when the conditions read them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from cadence.conditions.dependencies import Dependencies
from cadence.conditions.fields import raw, state_columns
from cadence.conditions.models import ConsentRecord, ContactState, EventRecord
from cadence.db.params import among
from cadence.db.tables import (
    accounts,
    consents,
    contact_accounts,
    contacts,
    events,
    segment_members,
    segments,
)
from cadence.db.types import to_millis

CHUNK = 5000


def _among(
    conn: Connection, column: sa.ColumnElement[Any], ids: Sequence[int]
) -> sa.ColumnElement[bool]:
    """``column IN ids`` as one parameter: rendering a placeholder per id cost as much as
    the queries on the ingestion path."""
    return among(column, ids, dialect=conn.dialect.name)


def load_states(
    *,
    conn: Connection,
    contact_ids: Collection[int],
    now: datetime,
    needs: Dependencies | None = None,
    narrow: bool = False,
) -> dict[int, ContactState]:
    """The state of each existing contact among `contact_ids`.

    With `narrow` (and `needs`), `columns` holds only the contacts columns the
    conditions read (callers that evaluate nothing else, e.g. segment membership).

    With `needs` (the union of the dependencies of the conditions to
    evaluate), only the events those conditions can count are read: the
    named events, and for names only ever used with a window, only events
    newer than now minus the longest window (later ones too, for
    next_change_at).
    """
    ids = sorted(set(contact_ids))
    states: dict[int, ContactState] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        states.update(_load_chunk(conn, chunk, to_millis(now), needs, narrow=narrow))
    return states


def _load_chunk(
    conn: Connection, ids: Sequence[int], now_ms: int, needs: Dependencies | None, *, narrow: bool
) -> Iterator[tuple[int, ContactState]]:
    # with needs, only what the conditions read is queried
    account_traits = (
        _primary_account_traits(conn, ids) if needs is None or needs.account_traits else {}
    )
    event_rows = _events(conn, ids, now_ms, needs)
    consent_rows = _consents(conn, ids) if needs is None or needs.consent_channels else {}
    keys = _segment_keys(conn, ids) if needs is None or needs.segments else {}
    names = tuple(sorted(needs.columns)) if narrow and needs is not None else state_columns()
    columns = [raw(name).label(name) for name in names]
    query = sa.select(contacts.c.id, contacts.c.traits, *columns).where(
        _among(conn, contacts.c.id, ids)
    )
    no_keys: frozenset[str] = frozenset()
    for contact_id, traits, *values in conn.execute(query):
        found = keys.get(contact_id)
        yield (
            contact_id,
            ContactState(
                contact_id=contact_id,
                traits=traits or {},
                account_traits=account_traits.get(contact_id),
                columns=dict(zip(names, values, strict=True)),
                events=tuple(event_rows.get(contact_id, ())),
                consents=tuple(consent_rows.get(contact_id, ())),
                segment_keys=no_keys if found is None else frozenset(found),
            ),
        )


def _primary_account_traits(conn: Connection, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """Per contact, the traits of its primary account with the lowest id."""
    link = contact_accounts
    query = (
        sa.select(link.c.contact_id, accounts.c.traits)
        .join(accounts, accounts.c.id == link.c.account_id)
        .where(_among(conn, link.c.contact_id, ids), link.c.is_primary.is_(sa.true()))
        .order_by(link.c.contact_id, link.c.account_id.desc())
    )
    return {contact_id: traits for contact_id, traits in conn.execute(query)}


def _event_filter(
    now_ms: int, needs: Dependencies | None, *, sqlite: bool = False
) -> sa.ColumnElement[bool]:
    if needs is None:
        return sa.true()
    parts: list[sa.ColumnElement[bool]] = []
    ts = sa.type_coerce(events.c.ts, sa.BigInteger())
    # SQLite would walk the (name, ts, contact_id) index over each name's whole window,
    # everyone's events, instead of these contacts' rows: `name || ''` keeps it off that index
    named = events.c.name + "" if sqlite else events.c.name
    for name, window in sorted(needs.event_windows.items()):
        since = sa.true() if window is None else ts > now_ms - window
        parts.append(sa.and_(named == name, since))
    return sa.or_(sa.false(), *parts)


def _events(
    conn: Connection, ids: Sequence[int], now_ms: int, needs: Dependencies | None
) -> dict[int, list[EventRecord]]:
    found: dict[int, list[EventRecord]] = defaultdict(list)
    if needs is not None and not needs.event_windows:
        return found
    ts = sa.type_coerce(events.c.ts, sa.BigInteger())
    query = (
        sa.select(events.c.contact_id, events.c.name, ts.label("ts"), events.c.properties)
        .where(_among(conn, events.c.contact_id, ids), events.c.name.is_not(None))
        .where(_event_filter(now_ms, needs, sqlite=conn.dialect.name == "sqlite"))
        .order_by(events.c.contact_id, ts, events.c.id)
    )
    for contact_id, name, when, properties in conn.execute(query):
        found[contact_id].append(EventRecord(name, when, properties or {}))
    return found


def _consents(conn: Connection, ids: Sequence[int]) -> dict[int, list[ConsentRecord]]:
    paused = sa.type_coerce(consents.c.paused_until, sa.BigInteger())
    expires = sa.type_coerce(consents.c.expires_at, sa.BigInteger())
    query = sa.select(
        consents.c.contact_id,
        consents.c.channel,
        consents.c.topic,
        consents.c.status,
        paused,
        expires,
        consents.c.frequency,
    ).where(_among(conn, consents.c.contact_id, ids))
    found: dict[int, list[ConsentRecord]] = defaultdict(list)
    for contact_id, channel, topic, status, paused_until, expires_at, frequency in conn.execute(
        query
    ):
        found[contact_id].append(
            ConsentRecord(channel, topic, status, paused_until, expires_at, frequency)
        )
    return found


def _segment_keys(conn: Connection, ids: Sequence[int]) -> dict[int, set[str]]:
    query = (
        sa.select(segment_members.c.contact_id, segments.c.key)
        .join(segments, segments.c.id == segment_members.c.segment_id)
        .where(_among(conn, segment_members.c.contact_id, ids))
    )
    found: dict[int, set[str]] = defaultdict(set)
    for contact_id, key in conn.execute(query):
        found[contact_id].add(key)
    return found
