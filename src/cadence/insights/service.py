"""Suggested actions: run every rule over the data; apply a suggestion's safe action."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from cadence.db.engine import UnitOfWork
from cadence.db.tables import suggestion_actions
from cadence.errors import FieldError, InputError, NotFound
from cadence.insights import cadence, fatigue, incentives, journeys, leads, profiles
from cadence.insights.lists import add_to_list
from cadence.insights.models import Applied, Suggestion

Rule = Callable[[UnitOfWork, int], list[Suggestion]]

RULES: tuple[Rule, ...] = (
    lambda uow, now: leads.unowned_leads(uow),
    lambda uow, now: leads.mql_sla(uow, now=now),
    lambda uow, now: fatigue.suggest(uow, now=now),
    lambda uow, now: journeys.starved_variants(uow, now=now),
    lambda uow, now: journeys.dropouts(uow, now=now),
    lambda uow, now: profiles.suggest(uow, now=now),
    lambda uow, now: incentives.suggest(uow, now=now),
    lambda uow, now: cadence.suggest(uow, now=now),
)


def suggestions(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    """Every suggestion that holds now, most urgent first, then the most contacts."""
    found = [s for rule in RULES for s in rule(uow, now)]
    return sorted(found, key=lambda s: (s.severity, -s.contact_count, s.id))


def _all_ids(uow: UnitOfWork, suggestion: Suggestion, now: int) -> list[int]:
    """Every contact concerned (a suggestion carries only the first CONTACT_CAP)."""
    if suggestion.contact_count <= len(suggestion.contact_ids):
        return list(suggestion.contact_ids)
    if suggestion.kind == "unowned_leads":
        return leads.unowned_hot_leads(uow)
    if suggestion.kind in ("cadence_saturated", "cadence_underserved"):
        wanted = "saturated" if suggestion.kind == "cadence_saturated" else "under_served"
        return [
            c for c, v in cadence.volumes(uow, now=now).items() if cadence.classify(v) == wanted
        ]
    if suggestion.kind == "profile_stuck":
        level, field = suggestion.id.split(":")[1:]
        return profiles.stuck(uow, now=now)[(int(level), field)]
    if suggestion.kind == "frequency_fatigue":
        _, recipients, left = fatigue.periods(uow, start=now - fatigue.PERIOD_MS, end=now)[
            str(suggestion.evidence["topic"])
        ]
        return sorted(recipients - left)
    return list(suggestion.contact_ids)


def apply_suggestion(
    uow: UnitOfWork,
    *,
    suggestion_id: str,
    actor: str,
    now: int,
    params: Mapping[str, Any] | None = None,
) -> Applied:
    """Recompute the suggestion and perform its one-click action (NotFound if it no longer
    holds). ``params`` may override the action's parameters (e.g. ``owners``)."""
    current = {s.id: s for s in suggestions(uow, now=now)}
    suggestion = current.get(suggestion_id)
    if suggestion is None:
        raise NotFound("suggestion", field="suggestion_id")
    if suggestion.apply is None:
        raise InputError(
            [FieldError("suggestion_id", "this suggestion has no one-click action")],
            status=409,
            code="conflict",
        )
    merged = {**suggestion.apply.params, **(params or {})}
    ids = _all_ids(uow, suggestion, now)
    action = suggestion.apply.action
    if action == "assign_owner":
        owners = merged.get("owners")
        if (
            not isinstance(owners, list)
            or not owners
            or not all(isinstance(o, str) and o.strip() for o in owners)
        ):
            raise InputError([FieldError("owners", "give a non-empty list of owner names")])
        changed = leads.assign_owners(uow, contact_ids=ids, owners=owners)
        detail = f"assigned {changed} lead(s) to {', '.join(owners)}"
    else:
        changed = add_to_list(uow, params=dict(merged), contact_ids=ids, now=now)
        detail = f"added {changed} contact(s) to the list '{merged['list']}'"
    uow.conn.execute(
        sa.insert(suggestion_actions).values(
            suggestion_id=suggestion_id,
            action=action,
            actor=actor,
            changed=changed,
            detail={"params": merged, "contacts": len(ids), "text": detail},
            at=now,
        )
    )
    return Applied(suggestion_id=suggestion_id, action=action, changed=changed, detail=detail)
