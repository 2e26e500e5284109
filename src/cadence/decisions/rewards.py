"""Delayed rewards: when a decision's window closes, what did the contact do?

``outcome`` is the pure rule: the penalty if a negative event (an unsubscribe, a spam
complaint) happened within the window, else 1 if the goal event did (with the
properties ``where`` asks for), else 0. ``attribute_due`` applies it to every decision
whose window has closed and that has no reward yet (an explicit reward from the API
always wins: those rows are never attributed), then updates each model once. The rule
used is the one stored with the decision's model version, so editing a point's reward
never re-defines the rewards of decisions made before. The goal ``$optin_confirmed`` is
a double opt-in confirmed in the consent ledger; with it a visitor who never became a
contact earned 0 (opt-ins that need no confirmation are rewarded when they are made).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from cadence.consent.models import Action
from cadence.db.engine import UnitOfWork
from cadence.db.tables import consent_ledger, contacts, decision_log, decision_models, events
from cadence.db.types import to_millis
from cadence.decisions.config import RewardSpec, parse_reward
from cadence.decisions.service import Outcome, learn

_L, _E = decision_log.c, events.c
OPTIN = "$optin_confirmed"  # goal: a double opt-in confirmed (subscribe forms' incentives)


@dataclass(frozen=True, kw_only=True)
class Happened:
    """One event of a contact, as attribution needs it."""

    name: str
    at: int
    properties: Mapping[str, Any]


def outcome(*, spec: RewardSpec, start: int, end: int, happened: Iterable[Happened]) -> float:
    """The reward of a decision made at ``start`` whose window closed at ``end``."""
    inside = [h for h in happened if start <= h.at <= end]
    if any(h.name in spec.negative for h in inside):
        return spec.penalty
    for h in inside:
        if h.name == spec.event and all(h.properties.get(k) == v for k, v in spec.where.items()):
            return 1.0
    return 0.0


def _specs(
    uow: UnitOfWork, versions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], RewardSpec | None]:
    """The reward each model version learns: the definition in force when it decided."""
    wanted = set(versions)
    m = decision_models.c
    rows = uow.conn.execute(
        select(m.point, m.version, m.reward).where(m.point.in_(sorted({p for p, _ in wanted})))
    )
    return {
        (point, version): parse_reward(raw, path="reward")[0]
        for point, version, raw in rows
        if (point, version) in wanted
    }


def _history(
    uow: UnitOfWork, *, rows: Sequence[Any], specs: Mapping[Any, RewardSpec | None]
) -> dict[int, list[Happened]]:
    """The goal and negative events of the decisions' contacts, over their windows."""
    live = _survivors(uow, [r.contact_id for r in rows if r.contact_id is not None])
    people = sorted(set(live.values()))
    names = sorted({n for s in specs.values() if s is not None for n in (s.event, *s.negative)})
    if not people or not names:
        return {}
    query = select(_E.contact_id, _E.name, _E.ts, _E.properties).where(
        _E.contact_id.in_(people),
        _E.name.in_(names),
        _E.ts >= min(to_millis(r.at) for r in rows),
        _E.ts <= max(to_millis(r.closes_at) for r in rows),
    )
    by_live: dict[int, list[Happened]] = defaultdict(list)
    for contact_id, name, ts, properties in uow.conn.execute(query):
        by_live[contact_id].append(Happened(name=name, at=to_millis(ts), properties=properties))
    if OPTIN in names:
        for contact_id, at in uow.conn.execute(_optins(people, rows)):
            by_live[contact_id].append(Happened(name=OPTIN, at=to_millis(at), properties={}))
    return {original: by_live[survivor] for original, survivor in live.items()}


def _optins(people: Sequence[int], rows: Sequence[Any]) -> Any:
    """Double opt-ins confirmed by the contacts over the decisions' windows."""
    c = consent_ledger.c
    return select(c.contact_id, c.at).where(
        c.contact_id.in_(people),
        c.action == Action.CONFIRMED.value,
        c.at >= min(to_millis(r.at) for r in rows),
        c.at <= max(to_millis(r.closes_at) for r in rows),
    )


def _survivors(uow: UnitOfWork, people: Sequence[int]) -> dict[int, int]:
    """Each contact's live id: a merged contact's events moved to the one it merged into."""
    c = contacts.c
    rows = uow.conn.execute(select(c.id, c.merged_into).where(c.id.in_(sorted(set(people)))))
    return {contact_id: into or contact_id for contact_id, into in rows}


def attribute_due(uow: UnitOfWork, *, now: int, limit: int = 1000) -> int:
    """Attribute rewards to decisions whose window closed by ``now``; how many were settled."""
    query = (
        select(decision_log)
        .where(_L.closes_at <= now, _L.reward_source.is_(None))
        .order_by(_L.closes_at, _L.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = uow.conn.execute(query).all()
    if not rows:
        return 0
    specs = _specs(uow, ((r.point, r.version) for r in rows))
    history = _history(uow, rows=rows, specs=specs)
    settled: list[dict[str, Any]] = []
    to_learn: dict[tuple[str, int], list[Outcome]] = defaultdict(list)
    for row in rows:
        spec = specs.get((row.point, row.version))
        unknown = row.contact_id is None and (spec is None or spec.event != OPTIN)
        if spec is None or unknown:  # nobody to follow: no reward to learn
            settled.append({"row_id": row.id, "value": None, "kind": "expired"})
            continue
        value = outcome(
            spec=spec,
            start=to_millis(row.at),
            end=to_millis(row.closes_at),
            happened=[] if row.contact_id is None else history.get(row.contact_id, []),
        )
        settled.append({"row_id": row.id, "value": value, "kind": "attributed"})
        to_learn[(row.point, row.version)].append(
            Outcome(decision_id=row.id, context=row.context, option=row.chosen, value=value)
        )
    uow.conn.execute(
        update(decision_log)
        .where(_L.id == bindparam("row_id"))
        .values(reward=bindparam("value"), reward_source=bindparam("kind"), rewarded_at=now),
        settled,
    )
    for (point, version), outcomes in sorted(to_learn.items()):
        learn(uow, point=point, version=version, outcomes=outcomes, now=now)
    return len(rows)
