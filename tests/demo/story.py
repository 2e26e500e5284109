"""Read the generated messages back the way Cadence would: people, accounts, events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SENIOR = {"C-level", "VP", "Director", "Head of"}


@dataclass
class Person:
    user_id: str
    first_seen: datetime
    traits: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None
    events: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)

    def times(self, name: str) -> list[datetime]:
        return [at for at, event, _ in self.events if event == name]

    def did(self, name: str) -> bool:
        return any(event == name for _, event, _ in self.events)


@dataclass
class World:
    people: dict[str, Person]
    accounts: dict[str, dict[str, Any]]
    aliases: dict[str, str]

    def account_of(self, person: Person) -> dict[str, Any] | None:
        return self.accounts.get(person.group_id) if person.group_id else None

    def is_senior_at_large(self, person: Person) -> bool:
        account = self.account_of(person)
        large = account is not None and account["employees"] >= 1000
        return large and person.traits.get("seniority") in SENIOR


def read_world(messages: Iterable[dict[str, Any]]) -> World:
    """Resolve ids through ``alias`` to the CRM user id and fold every call into a person."""
    messages = list(messages)
    aliases = {m["userId"]: m["previousId"] for m in messages if m["type"] == "alias"}
    people: dict[str, Person] = {}
    accounts: dict[str, dict[str, Any]] = {}
    for message in messages:
        user_id = message.get("userId")
        if not user_id:
            continue
        at = datetime.fromisoformat(message["timestamp"])
        person = people.setdefault(aliases.get(user_id, user_id), Person(user_id, at))
        kind = message["type"]
        if kind == "identify":
            person.traits.update(message["traits"])
        elif kind == "group":
            person.group_id = message["groupId"]
            accounts[message["groupId"]] = message["traits"]
        elif kind == "track":
            person.events.append((at, message["event"], message["properties"]))
        elif kind == "page":
            person.events.append((at, "Page Viewed", message["properties"]))
    people = {uid: person for uid, person in people.items() if uid.startswith("u_")}
    return World(people=people, accounts=accounts, aliases=aliases)
