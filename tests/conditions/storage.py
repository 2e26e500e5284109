"""Writing a random World to the real database, and the states it stands for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert

from cadence.conditions import ConsentRecord, ContactState, EventRecord
from cadence.db.tables import (
    accounts,
    consents,
    contact_accounts,
    contacts,
    events,
    segment_members,
    segments,
)
from tests.conditions.worlds import NOW_MS, SEGMENT_KEYS, World

TABLES = (segment_members, segments, consents, events, contact_accounts, accounts, contacts)


def clear(conn: Connection) -> None:
    for table in TABLES:
        conn.execute(delete(table))


def write_world(conn: Connection, world: World) -> list[int]:
    """Insert every row of the world; contact ids are 1..n, account ids 1..m."""
    clear(conn)
    stamp = {"created_at": NOW_MS, "updated_at": NOW_MS}
    conn.execute(
        insert(segments),
        [
            {"id": i, "key": key, "name": key, "kind": "static", **stamp}
            for i, key in enumerate(SEGMENT_KEYS, 1)
        ],
    )
    if world.accounts:
        rows = [
            {"id": i, "group_id": f"g{i}", "traits": doc, "trait_times": {}, **stamp}
            for i, doc in enumerate(world.accounts, 1)
        ]
        conn.execute(insert(accounts), rows)
    people = [
        {"id": i, "traits": c.traits, "trait_times": {}, **stamp, **c.columns}
        for i, c in enumerate(world.contacts, 1)
    ]
    conn.execute(insert(contacts), people)
    _write_children(conn, world)
    return list(range(1, len(world.contacts) + 1))


def _write_children(conn: Connection, world: World) -> None:
    links, history, grants, members = [], [], [], []
    for cid, contact in enumerate(world.contacts, 1):
        for index, primary in contact.accounts.items():
            links.append(
                {"contact_id": cid, "account_id": index + 1, "is_primary": primary, "linked_at": 0}
            )
        for n, (name, ts, props) in enumerate(contact.events):
            history.append(
                {
                    "message_id": f"{cid}-{n}",
                    "contact_id": cid,
                    "type": "track",
                    "name": name,
                    "ts": ts,
                    "received_at": ts,
                    "properties": props,
                }
            )
        for (channel, topic), (status, paused, expires) in contact.consents.items():
            grants.append(
                {
                    "contact_id": cid,
                    "channel": channel,
                    "topic": topic,
                    "status": status,
                    "paused_until": paused,
                    "expires_at": expires,
                    "updated_at": NOW_MS,
                }
            )
        for key in contact.segments:
            members.append(
                {"segment_id": SEGMENT_KEYS.index(key) + 1, "contact_id": cid, "entered_at": 0}
            )
    for table, rows in (
        (contact_accounts, links),
        (events, history),
        (consents, grants),
        (segment_members, members),
    ):
        if rows:
            conn.execute(insert(table), rows)


def _primary_traits(world: World, links: dict[int, bool]) -> dict[str, Any] | None:
    primaries = sorted(index for index, primary in links.items() if primary)
    return world.accounts[primaries[0]] if primaries else None


def world_states(world: World) -> dict[int, ContactState]:
    """The states the world's rows describe, built without the database."""
    return {
        cid: ContactState(
            contact_id=cid,
            traits=c.traits,
            account_traits=_primary_traits(world, c.accounts),
            columns=c.columns,
            events=tuple(EventRecord(name, ts, props) for name, ts, props in c.events),
            consents=tuple(
                ConsentRecord(channel, topic, status, paused, expires)
                for (channel, topic), (status, paused, expires) in c.consents.items()
            ),
            segment_keys=frozenset(c.segments),
        )
        for cid, c in enumerate(world.contacts, 1)
    }
