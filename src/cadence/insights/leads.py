"""Lead suggestions: hot, well-fitting leads nobody owns; MQLs sales has not answered in time."""

from __future__ import annotations

import sqlalchemy as sa

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, lifecycle_history
from cadence.insights.models import Apply, Suggestion, capped
from cadence.scoring import queries
from cadence.scoring import settings as lead_settings

_C = contacts.c
DAY_MS = 86_400_000
OPEN_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "nurture")


def known_owners(uow: UnitOfWork) -> list[str]:
    """Owners already used on contacts (the people a one-click assignment rotates over)."""
    query = sa.select(_C.owner).where(_C.owner.is_not(None)).distinct()
    return sorted(o for o in uow.conn.scalars(query) if o)


def unowned_hot_leads(uow: UnitOfWork) -> list[int]:
    query = sa.select(_C.id).where(
        _C.merged_into.is_(None),
        _C.owner.is_(None),
        _C.grade == "A",
        _C.band <= 2,
        _C.lifecycle_stage.in_(OPEN_STAGES),
    )
    return list(uow.conn.scalars(query))


def unowned_leads(uow: UnitOfWork) -> list[Suggestion]:
    ids = unowned_hot_leads(uow)
    if not ids:
        return []
    shown, count = capped(ids)
    owners = known_owners(uow)
    names = ", ".join(owners[:5]) if owners else "the owners you name"
    apply = Apply(
        action="assign_owner",
        label=f"Assign {count} lead(s) in turn to {names}",
        params={"owners": owners},  # empty: the caller names them
    )
    return [
        Suggestion(
            id="unowned_leads",
            kind="unowned_leads",
            title=f"{count} A1/A2 lead(s) have no sales owner",
            reason="Grade A leads in score band 1 or 2 are the best fit and the most interested; "
            "without an owner nobody follows them up.",
            evidence={"leads": count, "known_owners": len(owners)},
            contact_ids=shown,
            contact_count=count,
            severity=1,
            apply=apply,
        )
    ]


def mql_sla(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    settings = lead_settings.load(uow)
    report = queries.report(uow, settings=settings, now=now, days=settings.sales_sla_days)
    overdue: list[int] = report["sla"]["overdue_mqls"]
    if not overdue:
        return []
    h = lifecycle_history.c
    since = sa.select(h.contact_id, sa.func.max(millis(h.at))).where(
        h.to_stage == "mql", h.contact_id.in_(overdue)
    )
    waits = [now - int(at) for _, at in uow.conn.execute(since.group_by(h.contact_id))]
    shown, count = capped(overdue)
    days = settings.sales_sla_days
    return [
        Suggestion(
            id="mql_sla",
            kind="mql_sla",
            title=f"{count} MQL(s) waiting longer than the {days}-day sales SLA",
            reason="Marketing-qualified leads cool down fast; sales should accept or reject "
            f"each within {days} days.",
            evidence={
                "overdue": count,
                "sla_days": days,
                "longest_wait_days": round(max(waits, default=0) / DAY_MS, 1),
            },
            contact_ids=shown,
            contact_count=count,
            severity=1,
        )
    ]


def assign_owners(uow: UnitOfWork, *, contact_ids: list[int], owners: list[str]) -> int:
    """Give each lead an owner, in turn; leads that gained an owner meanwhile keep theirs."""
    changed = 0
    for index, contact_id in enumerate(sorted(contact_ids)):
        result = uow.conn.execute(
            sa.update(contacts)
            .where(_C.id == contact_id, _C.owner.is_(None))
            .values(owner=owners[index % len(owners)])
        )
        changed += result.rowcount
    return changed
