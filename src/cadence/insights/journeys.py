"""Journey suggestions: a variant the bandit has starved, a step where most contacts drop out.

Journeys and decision points are built beside this package; when their tables are absent
(an older database) these rules are skipped and say nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from cadence.db import tables
from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.insights.models import Suggestion, capped

DAY_MS = 86_400_000
WINDOW_MS = 30 * DAY_MS
MIN_DECISIONS = 100
STARVED_SHARE = 0.05  # an option chosen for less than this share of the decisions ...
FEW_REWARDS = 30  # ... with fewer rewards than this: its estimate is still a guess
MIN_REACHED = 20
DROP_SHARE = 0.5


def _present(uow: UnitOfWork, *names: str) -> bool:
    inspector = sa.inspect(uow.conn)
    return all(inspector.has_table(name) for name in names)


def starved(
    counts: dict[str, int], rewarded: dict[str, int], options: list[str]
) -> list[tuple[str, float]]:
    """Options chosen for under STARVED_SHARE of the decisions and rarely rewarded."""
    total = sum(counts.values())
    if total < MIN_DECISIONS or len(options) < 2:
        return []
    return [
        (option, counts.get(option, 0) / total)
        for option in options
        if counts.get(option, 0) / total < STARVED_SHARE and rewarded.get(option, 0) < FEW_REWARDS
    ]


def starved_variants(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    if not _present(uow, "decision_points", "decision_log"):
        return []
    p, log = tables.decision_points.c, tables.decision_log.c
    found = []
    for point, options, version in uow.conn.execute(
        sa.select(p.key, p.options, p.version).where(p.active.is_(sa.true())).order_by(p.key)
    ):
        names = [o if isinstance(o, str) else str(o.get("key", o)) for o in options or []]
        query = (
            sa.select(log.chosen, sa.func.count(), sa.func.count(log.reward))
            .where(log.point == point, log.version == version, millis(log.at) >= now - WINDOW_MS)
            .group_by(log.chosen)
        )
        counts: dict[str, int] = {}
        rewarded: dict[str, int] = {}
        for chosen, n, r in uow.conn.execute(query):
            counts[chosen], rewarded[chosen] = n, r
        for option, share in starved(counts, rewarded, names):
            found.append(
                Suggestion(
                    id=f"journey_starved_variant:{point}:{option}",
                    kind="journey_starved_variant",
                    title=f"'{point}': the bandit has starved option '{option}'",
                    reason=f"'{option}' got {share:.1%} of {sum(counts.values())} decisions in "
                    f"30 days and {rewarded.get(option, 0)} rewards: too few to know whether "
                    "it is worse. Raise exploration for a while, or retire it on purpose.",
                    evidence={
                        "point": point,
                        "option": option,
                        "share": round(share, 4),
                        "decisions": sum(counts.values()),
                        "rewards": rewarded.get(option, 0),
                    },
                    contact_ids=(),
                    contact_count=0,
                    severity=3,
                )
            )
    return found


def dropouts(uow: UnitOfWork, *, now: int) -> list[Suggestion]:
    if not _present(uow, "journey_enrolments", "journey_runs"):
        return []
    e, r = tables.journey_enrolments.c, tables.journey_runs.c
    query = (
        sa.select(e.id, e.journey_key, e.contact_id, e.status, r.seq, r.step_id)
        .join(tables.journey_runs, r.enrolment_id == e.id)
        .where(millis(e.entered_at) >= now - 3 * WINDOW_MS)
    )
    last: dict[int, tuple[int, str]] = {}
    info: dict[int, tuple[str, int, str]] = {}
    reached: dict[str, Counter[str]] = defaultdict(Counter)
    seen: set[tuple[int, str]] = set()
    for enrolment, key, contact_id, status, seq, step in uow.conn.execute(query):
        info[enrolment] = (key, contact_id, status)
        if (enrolment, step) not in seen:
            seen.add((enrolment, step))
            reached[key][step] += 1
        if enrolment not in last or seq > last[enrolment][0]:
            last[enrolment] = (seq, step)
    dropped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for enrolment, (_, step) in last.items():
        key, contact_id, status = info[enrolment]
        if status == "exited":
            dropped[(key, step)].append(contact_id)
    found = []
    for (key, step), ids in sorted(dropped.items()):
        total = reached[key][step]
        if total < MIN_REACHED or len(ids) / total < DROP_SHARE:
            continue
        shown, count = capped(set(ids))
        found.append(
            Suggestion(
                id=f"journey_dropout:{key}:{step}",
                kind="journey_dropout",
                title=f"Journey '{key}': most contacts drop out after step '{step}'",
                reason=f"{len(ids)} of the {total} enrolments that reached '{step}' in the last "
                "90 days left the journey right after it. Review that step's message or wait.",
                evidence={
                    "journey": key,
                    "step": step,
                    "reached": total,
                    "dropped": len(ids),
                    "drop_share": round(len(ids) / total, 4),
                },
                contact_ids=shown,
                contact_count=count,
                severity=2,
            )
        )
    return found
