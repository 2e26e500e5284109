"""Contacts stuck at a profile level, the field they miss most and how a form would fill it."""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from cadence.contacts.models import ContactRecord
from cadence.contacts.profile import missing_fields
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contact_accounts, contacts
from cadence.forms.service import load_forms
from cadence.insights.lists import list_apply
from cadence.insights.models import Suggestion, capped

DAY_MS = 86_400_000
STUCK_DAYS = 30
# Levels 2 -> 3 need a purchase and a response: no form field fills those.
FORM_FILLABLE_LEVELS = (0, 1)


def how_to_fill(field: str, form_keys: list[str]) -> str:
    """The form field (or page) that would fill the missing field, in a marketer's words."""
    forms = ", ".join(f"'{k}'" for k in form_keys)
    if field == "email":
        return f"the email field of the subscribe form {forms}" if forms else "a subscribe form"
    if field == "preferences":
        return (
            f"the topic choice of the subscribe form {forms} or the preference center"
            if forms
            else "the preference center (send the personal link)"
        )
    if forms:
        return f"a '{field}' field on the form {forms} (no form asks for it today)"
    return f"a form asking for '{field}' (none does today)"


def stuck(uow: UnitOfWork, *, now: int) -> dict[tuple[int, str], list[int]]:
    """(level, first missing field) -> contacts at that level for STUCK_DAYS or more."""
    c = contacts.c
    linked = set(uow.conn.scalars(sa.select(contact_accounts.c.contact_id).distinct()))
    query = sa.select(
        c.id,
        c.email,
        c.traits,
        c.order_count,
        millis(c.last_response_at).label("last_response_at"),
        c.has_preferences,
    ).where(
        c.merged_into.is_(None),
        c.profile_level.in_(FORM_FILLABLE_LEVELS),
        millis(c.first_seen_at) <= now - STUCK_DAYS * DAY_MS,
    )
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in uow.conn.execute(query):
        record = ContactRecord(
            id=row.id,
            user_id=None,
            email=row.email,
            traits=row.traits or {},
            trait_times={},
            created_at=0,
            updated_at=0,
            order_count=row.order_count,
            last_response_at=row.last_response_at,
            has_preferences=row.has_preferences,
            has_account=row.id in linked,
        )
        level, missing = missing_fields(record)
        for field in missing:
            found[(level, field)].append(row.id)
    return found


def suggest(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    groups = stuck(uow, now=now)
    forms = [f.key for f in load_forms(uow)]
    per_level: dict[int, Counter[str]] = defaultdict(Counter)
    for (level, field), ids in groups.items():
        per_level[level][field] = len(ids)
    found = []
    for level, counts in sorted(per_level.items()):
        field, _ = max(counts.items(), key=lambda item: (item[1], item[0]))
        shown, count = capped(groups[(level, field)])
        fill = how_to_fill(field, forms)
        found.append(
            Suggestion(
                id=f"profile_stuck:{level}:{field}",
                kind="profile_stuck",
                title=f"{count} contact(s) stuck at profile level {level} without '{field}'",
                reason=f"They have been known for {STUCK_DAYS}+ days; '{field}' is the field "
                f"most of them miss for level {level + 1}. Fill it with {fill}.",
                evidence={
                    "level": level,
                    "field": field,
                    "contacts": count,
                    "fill_with": fill,
                    **{f"missing_{k}": v for k, v in sorted(counts.items())},
                },
                contact_ids=shown,
                contact_count=count,
                severity=2,
                apply=list_apply(
                    key=f"profile-missing-{field}",
                    name=f"Profile: missing {field}",
                    description=f"Stuck at level {level} without {field}: ask for it",
                    count=count,
                ),
            )
        )
    return found
