"""Run due journey steps: claim due rows, walk each enrolment until it waits or ends, and
write every step run in the same transaction as the step's effects.

Idempotency: a due row names the next step and its ``seq``; a run row is keyed
(enrolment, seq). The claim, the effects, the run rows and the moved due row commit
together, so a crash before the commit leaves the due row as it was (the step runs again,
from scratch, nothing of the first attempt having been kept) and a crash after it never
repeats the step. On PostgreSQL workers claim with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from sqlalchemy import func, select

from cadence.db.bulk import millis
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, journey_due, journey_enrolments, journey_runs
from cadence.journeys import delivery, enrolment, graph, steps
from cadence.journeys.bulk import insert_rows, update_rows
from cadence.journeys.models import Journey, Step
from cadence.journeys.store import versions

IN_MEMORY_STEPS: Final = frozenset({"random", "exit"})  # cannot fail: no savepoint needed
END: Final = ""  # a due row at END finishes the enrolment (after a final wait)
MAX_STEPS_PER_PASS: Final = 100  # a long wait-free chain continues in the next pass
SENDING_STEPS: Final = frozenset({"send", "adaptive"})
# steps that change the profile: the goal condition is checked again right after them
PROFILE_STEPS: Final = frozenset({"set_trait", "add_to_list", "lifecycle"})
log = logging.getLogger(__name__)
_D = journey_due.c
_E = journey_enrolments.c
_R = journey_runs.c


@dataclass
class Writes:
    runs: list[tuple[int, int, str, int, str]] = field(default_factory=list)
    moved: list[tuple[str, int, int, str | None, str | None, int]] = field(default_factory=list)
    finished: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    paths: list[tuple[str, int]] = field(default_factory=list)
    sends: list[_Sent] = field(default_factory=list)


@dataclass(frozen=True)
class _Sent:
    """A send step's run row (its index), its pending send, and where the enrolment's
    finish was recorded when the send was its last step (its reason is the run's label)."""

    run: int
    send: int
    finished: tuple[list[tuple[int, str]], int] | None


def claim(uow: UnitOfWork, *, now: int, limit: int) -> list[Any]:
    """Due rows with their enrolment's version and path, and whether the contact still exists;
    only the due rows are locked."""
    query = (
        select(
            _D.enrolment_id,
            _D.contact_id,
            _D.step_id,
            _D.seq,
            _E.journey_id,
            _E.path,
            contacts.c.id.label("live"),
        )
        .join(journey_enrolments, _E.id == _D.enrolment_id)
        .outerjoin(contacts, contacts.c.id == _D.contact_id)
        .where(millis(_D.due_at) <= now)
        .order_by(_D.due_at)
        .limit(limit)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(of=journey_due, skip_locked=True)
    return list(uow.conn.execute(query))


@dataclass(frozen=True)
class _Version:
    number: int
    journey: Journey
    looping: frozenset[str]  # steps on a cycle: their sends are counted per visit


def run_due(uow: UnitOfWork, *, now: int, limit: int = 1000) -> int:
    """Run what is due at ``now`` (one batch); returns how many steps ran."""
    due = claim(uow, now=now, limit=limit)
    if not due:
        return 0
    journeys = {
        jid: _Version(number, journey, graph.on_cycle(journey.steps))
        for jid, (number, journey) in versions(uow, {row.journey_id for row in due}).items()
    }
    writes = Writes()
    batch = delivery.Batch(at=now)
    for row in due:
        if row.live is None:
            writes.finished["exited"].append((row.enrolment_id, "contact erased"))
            continue
        _walk(uow, row, journeys[row.journey_id], list(row.path), writes, now=now, batch=batch)
    _label_sends(writes, batch.flush(uow))
    _write(uow, writes, now=now)
    return len(writes.runs)


def _walk(
    uow: UnitOfWork,
    row: Any,
    version: _Version,
    path: list[str],
    writes: Writes,
    *,
    now: int,
    batch: delivery.Batch,
) -> None:
    step_id, seq, taken, journey = row.step_id, row.seq, list(path), version.journey
    if _goal_reached(uow, journey, row.contact_id, now=now):
        writes.finished["converted"].append((row.enrolment_id, enrolment.GOAL_REACHED))
        return
    visits: Counter[str] = Counter()
    for _ in range(MAX_STEPS_PER_PASS):
        if step_id == END:
            writes.finished["completed"].append((row.enrolment_id, "end of the journey"))
            break
        step = journey.step(step_id)
        if step is None:
            writes.finished["exited"].append((row.enrolment_id, f"step {step_id!r} is gone"))
            break
        visits[step.id] += 1
        visit = visits[step.id] + _earlier_visits(uow, row.enrolment_id, step, version.looping)
        run = steps.Run(
            uow, now, row.enrolment_id, row.contact_id, journey, version.number, seq, batch, visit
        )
        outcome = _execute(run, step)
        writes.runs.append((row.enrolment_id, seq, step.id, now, outcome.label[:255]))
        seq += 1
        if outcome.branch:
            taken.append(outcome.branch)
        until = outcome.wait_until
        wait_at = until if until is not None and (until > now or outcome.waiting_for) else None
        done = outcome.finish or (outcome.next is None and wait_at is None)
        ends = writes.finished[outcome.finish or "completed"] if done else None
        if outcome.send is not None:
            slot = None if ends is None else (ends, len(ends))
            writes.sends.append(_Sent(len(writes.runs) - 1, outcome.send, slot))
        if ends is not None:
            ends.append((row.enrolment_id, outcome.label))
            break
        if step.type in PROFILE_STEPS and _goal_reached(uow, journey, row.contact_id, now=now):
            writes.finished["converted"].append((row.enrolment_id, enrolment.GOAL_REACHED))
            break
        if wait_at is not None:
            writes.moved.append(
                (
                    outcome.next or END,
                    seq,
                    wait_at,
                    outcome.waiting_for,
                    outcome.on_event,
                    row.enrolment_id,
                )
            )
            break
        step_id = outcome.next or END
    else:
        writes.moved.append((step_id, seq, now, None, None, row.enrolment_id))
    if taken != path:
        writes.paths.append((_json(taken), row.enrolment_id))


def _goal_reached(uow: UnitOfWork, journey: Journey, contact_id: int, *, now: int) -> bool:
    goal = journey.goal.condition if journey.goal is not None else None
    return goal is not None and steps.holds(uow, raw=goal, contact_id=contact_id, now=now)


def _earlier_visits(uow: UnitOfWork, enrolment_id: int, step: Step, looping: frozenset[str]) -> int:
    """Committed earlier runs of a sending step on a loop (elsewhere a step runs once); a
    crash-and-retry finds the same count, so the same visit keeps the same send key."""
    if step.type not in SENDING_STEPS or step.id not in looping:
        return 0
    query = select(func.count()).where(_R.enrolment_id == enrolment_id, _R.step_id == step.id)
    return int(uow.conn.execute(query).scalar_one())


def _execute(run: steps.Run, step: Step) -> steps.Outcome:
    """Run a step; one that fails (its list or message deleted since, say) is undone to a
    savepoint and ends its enrolment, instead of failing the whole batch forever. A send
    step in a batch writes nothing (its send waits for the pass's others, and fails alone
    there): only its message's lookup can fail, with NotFound, so it needs no savepoint."""
    if step.type in IN_MEMORY_STEPS or (step.type == "wait" and "best_time" not in step.spec):
        return steps.execute(run, step)
    try:
        if step.type == "send" and run.batch is not None:
            return steps.execute(run, step)
        with run.uow.conn.begin_nested():
            return steps.execute(run, step)
    except Exception as error:  # any failure of one step ends that enrolment only
        return _failed(run, step, error)


def _failed(run: steps.Run, step: Step, error: Exception) -> steps.Outcome:
    log.warning("journey %s step %s failed: %s", run.journey.key, step.id, error)
    return steps.Outcome(f"failed: {error}"[:255], None, finish="exited")


def _label_sends(writes: Writes, labels: list[str]) -> None:
    """Complete the send steps' run labels with what the batched sends did."""
    for sent in writes.sends:
        enrolment_id, seq, step_id, at, text = writes.runs[sent.run]
        full = f"{text}: {labels[sent.send]}"
        writes.runs[sent.run] = (enrolment_id, seq, step_id, at, full[:255])
        if sent.finished is not None:
            ends, index = sent.finished
            ends[index] = (enrolment_id, full)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


_RUN_COLUMNS: Final = (
    ("enrolment_id", "bigint"),
    ("seq", "int"),
    ("step_id", "text"),
    ("at", "bigint"),
    ("outcome", "text"),
)
_DUE_COLUMNS: Final = (
    ("step_id", "text"),
    ("seq", "int"),
    ("due_at", "bigint"),
    ("waiting_for", "text"),
    ("on_event", "text"),
)


def _write(uow: UnitOfWork, writes: Writes, *, now: int) -> None:
    insert_rows(uow.conn, "journey_runs", _RUN_COLUMNS, writes.runs)
    update_rows(uow.conn, "journey_due", _DUE_COLUMNS, ("enrolment_id", "bigint"), writes.moved)
    update_rows(
        uow.conn, "journey_enrolments", (("path", "jsonb"),), ("id", "bigint"), writes.paths
    )
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for status, items in writes.finished.items():
        for enrolment_id, reason in items:
            grouped[(status, reason)].append(enrolment_id)
    for (status, reason), ids in grouped.items():
        enrolment.finish(uow, enrolment_ids=ids, status=status, reason=reason, now=now)


def run_pass(uow: UnitOfWork, *, now: int, limit: int = 1000) -> int:
    """The scheduler's journey work: outbox triggers and exits, date triggers, due steps."""
    from cadence.journeys import triggers

    moved = triggers.consume_outbox(uow, now=now, limit=limit)
    dated = triggers.run_date_triggers(uow, now=now)
    return moved + dated + run_due(uow, now=now, limit=limit)
