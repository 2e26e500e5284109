"""Recording consent that arrives as ``identify`` traits (see ``consent.traits``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cadence.consent import store
from cadence.consent.ledger import LedgerEntry, LedgerError
from cadence.consent.links import Links
from cadence.consent.service import field_error, record_entries
from cadence.consent.traits import TraitsError, consent_from_traits
from cadence.db.engine import UnitOfWork
from cadence.errors import FieldError, InputError


@dataclass
class TraitsReport:
    recorded: int = 0
    problems: list[FieldError] = field(default_factory=list)


def context_ip_and_agent(context: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """IP and user agent from a Segment event context, when present and sane."""
    context = context or {}
    ip, agent = context.get("ip"), context.get("userAgent")
    return (
        ip[:64] if isinstance(ip, str) and ip else None,
        agent[:1000] if isinstance(agent, str) and agent else None,
    )


def record_from_traits(
    uow: UnitOfWork,
    *,
    contact_id: int,
    traits: Mapping[str, Any],
    at: int,
    now: int,
    context: Mapping[str, Any] | None = None,
    links: Links | None = None,
    update_segments: bool = True,
) -> TraitsReport:
    """Record the consent in ``traits`` for the contact, dated ``at`` (the event's time).

    Never raises for bad input: a trait that cannot be recorded writes only an outbox row
    ``consent.traits_rejected`` naming each problem, so one bad event cannot fail a batch.
    """
    report = TraitsReport()
    try:
        changes = consent_from_traits(traits=traits)
        ip, agent = context_ip_and_agent(context)
        entries = [
            LedgerEntry(
                contact_id=contact_id,
                channel=change.channel,
                topic=change.topic,
                action=change.action,
                source=change.source,
                at=at,
                basis=change.basis,
                wording=change.wording,
                ip=ip,
                user_agent=agent,
                frequency=change.frequency,
                paused_until=change.paused_until,
            )
            for change in changes
        ]
        if entries:
            recorded = record_entries(
                uow,
                contact_id=contact_id,
                entries=entries,
                now=now,
                links=links,
                update_segments=update_segments,
            )
            report.recorded = len(recorded)
    except TraitsError as error:
        report.problems = error.problems
    except LedgerError as error:
        report.problems = [field_error(error)]
    except InputError as error:
        report.problems = error.errors
    if report.problems:
        store.add_outbox(
            uow,
            topic="consent.traits_rejected",
            contact_id=contact_id,
            payload={"problems": [p.as_dict() for p in report.problems]},
            now=now,
        )
    return report
