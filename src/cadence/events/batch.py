"""In-memory state of one ingested batch: identity resolution, merges and profile updates.

All reads happen up front (one query per table), all writes at the end (one statement per
table); in between the batch is plain Python over the events in arrival order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cadence.contacts import profile
from cadence.contacts.models import AccountRecord, ContactRecord, Merge
from cadence.events.spec import Event


@dataclass(slots=True)
class ContactChange:
    """What one batch changed for one contact, for the stages after ingestion."""

    created: bool = False
    merged: bool = False
    traits: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    accounts: bool = False
    columns: frozenset[str] | None = None  # profile columns the batch moved; None: unknown


class BatchState:
    def __init__(
        self,
        *,
        now: int,
        book: dict[tuple[str, str], int],
        contacts: dict[int, ContactRecord],
        accounts: dict[str, AccountRecord],
    ):
        self.now = now
        self.book = book
        self.contacts = contacts
        self.accounts = accounts
        self.redirect: dict[int, int] = {}
        self.merges: list[Merge] = []
        self.new_identities: dict[tuple[str, str], int] = {}
        self.links: dict[tuple[int, str], int] = {}
        self.placed: list[tuple[Event, int]] = []
        self.changes: dict[int, ContactChange] = {}
        self._changed_accounts: set[str] = set()
        self._next_temp = -1

    # identity -----------------------------------------------------------------
    def find(self, contact_id: int) -> int:
        while contact_id in self.redirect:
            contact_id = self.redirect[contact_id]
        return contact_id

    def _lookup(self, kind: str, value: str | None) -> int | None:
        if value is None:
            return None
        found = self.book.get((kind, value))
        return None if found is None else self.find(found)

    def _create(self) -> ContactRecord:
        record = ContactRecord(
            id=self._next_temp,
            user_id=None,
            email=None,
            traits={},
            trait_times={},
            created_at=self.now,
            updated_at=self.now,
            is_new=True,
            dirty=True,
        )
        self._next_temp -= 1
        self.contacts[record.id] = record
        self.changes[record.id] = ContactChange(created=True)
        return record

    def _attach(self, kind: str, value: str | None, contact_id: int) -> None:
        if value is not None and (kind, value) not in self.book:
            self.book[(kind, value)] = contact_id
            self.new_identities[(kind, value)] = contact_id

    def resolve(self, event: Event, email: str | None) -> ContactRecord:
        """The contact an event belongs to, merging contacts its identifiers join."""
        if event.contact_id is not None and self.find(event.contact_id) in self.contacts:
            return self.contacts[self.find(event.contact_id)]
        by_user = self._lookup("user_id", event.user_id)
        candidates = [by_user] if by_user is not None else []
        for kind, value in (("email", email), ("anonymous_id", event.anonymous_id)):
            found = self._lookup(kind, value)
            if found is not None and found not in candidates:
                candidates.append(found)
        user_id = event.user_id
        # A contact found by this user id is this person; one found by email or anonymous
        # id is only if it has no other user id (after an alias a contact may hold several).
        usable = [
            c
            for c in candidates
            if user_id is None or c == by_user or self.contacts[c].user_id is None
        ]
        record = self.contacts[usable[0]] if usable else self._create()
        for other in usable[1:]:
            record = self.merge(
                record.id, other, reason=f"{event.type} joined identifiers", event=event
            )
        if user_id is not None and record.user_id is None:
            record.user_id = user_id
            record.dirty = True
        self._attach("user_id", user_id, record.id)
        self._attach("anonymous_id", event.anonymous_id, record.id)
        self._attach("email", email, record.id)
        return record

    def merge(self, a: int, b: int, *, reason: str, event: Event) -> ContactRecord:
        """Merge two contacts; the one already stored (oldest first) survives."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return self.contacts[a]
        ra, rb = self.contacts[a], self.contacts[b]
        survivor, gone = sorted((ra, rb), key=_survival_order)
        profile.merge_into(survivor, gone)
        self.redirect[gone.id] = survivor.id
        del self.contacts[gone.id]
        for key, owner in self.book.items():
            if owner == gone.id:
                self.book[key] = survivor.id
        change = self.changes.pop(gone.id, None)
        mine = self.changes.setdefault(survivor.id, ContactChange())
        mine.merged = True
        mine.traits |= set(gone.traits)
        mine.accounts = mine.accounts or gone.has_account
        if change is not None:
            mine.events.extend(change.events)
        if not gone.is_new:
            self.merges.append(Merge(gone.id, survivor.id, reason, event.message_id, event.ts))
        return survivor

    # effects ------------------------------------------------------------------
    def change(self, record: ContactRecord) -> ContactChange:
        return self.changes.setdefault(record.id, ContactChange())

    def set_traits(self, record: ContactRecord, traits: dict[str, Any], ts: int) -> None:
        changed = profile.apply_traits(record, traits, ts)
        if "email" in changed:
            record.email = profile.normalise_email(record.traits.get("email"))
        self.change(record).traits |= changed

    def link_account(
        self, record: ContactRecord, group_id: str, traits: dict[str, Any], ts: int
    ) -> None:
        account = self.accounts.get(group_id)
        if account is None:
            account = AccountRecord(
                id=0,
                group_id=group_id,
                name=None,
                traits={},
                trait_times={},
                created_at=self.now,
                updated_at=self.now,
                is_new=True,
            )
            self.accounts[group_id] = account
        if profile.apply_traits(account, traits, ts):
            account.updated_at = self.now
            self._changed_accounts.add(group_id)
        key = (record.id, group_id)
        self.links[key] = min(ts, self.links.get(key, ts))
        record.has_account = True
        self.change(record).accounts = True

    def place(self, event: Event, record: ContactRecord) -> None:
        self.placed.append((event, record.id))
        self.change(record).events.append(event)

    @property
    def changed_accounts(self) -> set[int]:
        """Ids of accounts whose traits changed (valid after the flush assigned ids)."""
        return {self.accounts[g].id for g in self._changed_accounts}

    def live_records(self) -> Iterable[ContactRecord]:
        return self.contacts.values()


def _survival_order(record: ContactRecord) -> tuple[bool, bool, int]:
    # Stored before new, then the one holding a user id, then the oldest.
    return (record.is_new, record.user_id is None, abs(record.id))
