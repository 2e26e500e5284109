"""What each step type does for one enrolment; effects go into the caller's transaction.

An executor returns an ``Outcome``: where to go next, whether to wait (until when, or for
which event), the branch taken (for analytics) and whether the enrolment ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from cadence.channels.tasks import FOLLOW_UP, create_task, full_name
from cadence.conditions import EvalContext, dependencies, evaluate, load_states, parse_condition
from cadence.db.engine import UnitOfWork
from cadence.db.tables import contacts, outbox
from cadence.db.types import from_millis
from cadence.journeys import delivery
from cadence.journeys.besttime import best_time
from cadence.journeys.config import parse_duration
from cadence.journeys.models import Journey, Step
from cadence.scoring import lifecycle
from cadence.scoring import settings as lead_settings


@dataclass(frozen=True)
class Run:
    """One enrolment at one step."""

    uow: UnitOfWork
    now: int
    enrolment_id: int
    contact_id: int
    journey: Journey
    version: int
    seq: int
    batch: delivery.Batch | None = None  # a send step's send waits for the pass's others
    visit: int = 1  # how many times this enrolment has come to this step, this time included

    @property
    def source(self) -> str:
        return f"journey:{self.journey.key}"


@dataclass(frozen=True)
class Outcome:
    label: str
    next: str | None
    wait_until: int | None = None
    waiting_for: str | None = None
    on_event: str | None = None
    branch: str | None = None
    finish: str | None = None  # completed | converted | exited
    send: int | None = None  # the pending send (in ``Run.batch``) whose status ends the label


def execute(run: Run, step: Step) -> Outcome:
    return _EXECUTORS[step.type](run, step)


def holds(uow: UnitOfWork, *, raw: Any, contact_id: int, now: int) -> bool:
    """Evaluate a condition-language condition for one contact at ``now``."""
    node = parse_condition(raw)
    moment = from_millis(now)
    states = load_states(
        conn=uow.conn, contact_ids=[contact_id], now=moment, needs=dependencies(node)
    )
    state = states.get(contact_id)
    if state is None:
        return False
    ctx = EvalContext(now=moment, half_life_days=lead_settings.load(uow).half_life_days)
    return evaluate(node, state=state, ctx=ctx)


def pick_branch(*, enrolment_id: int, step_id: str, weights: list[float]) -> int:
    """A branch index drawn with the weights, the same every time for this enrolment."""
    digest = hashlib.sha256(f"{enrolment_id}:{step_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(weights)
    for index, weight in enumerate(weights):
        point -= weight
        if point < 0:
            return index
    return len(weights) - 1


def _wait(run: Run, step: Step) -> Outcome:
    spec = step.spec
    if "until_event" in spec:
        timeout = parse_duration(spec["timeout"]) or 0
        return Outcome(
            f"waiting for {spec['until_event']}",
            spec.get("timeout_next", step.next),
            wait_until=run.now + timeout,
            waiting_for=str(spec["until_event"]),
            on_event=step.next,
        )
    if "best_time" in spec:
        within = parse_duration(spec["best_time"]) or 0
        at = best_time(
            run.uow,
            contact_id=run.contact_id,
            now=run.now,
            within_ms=within,
            segment=spec.get("segment"),
        )
        return Outcome(f"best time {from_millis(at).isoformat()}", step.next, wait_until=at)
    duration = parse_duration(spec["duration"]) or 0
    return Outcome(f"wait {spec['duration']}", step.next, wait_until=run.now + duration)


def _condition(run: Run, step: Step) -> Outcome:
    yes = holds(run.uow, raw=step.spec["condition"], contact_id=run.contact_id, now=run.now)
    answer = "yes" if yes else "no"
    return Outcome(answer, step.spec.get(answer), branch=f"{step.id}:{answer}")


def _random(run: Run, step: Step) -> Outcome:
    weights = [b.weight for b in step.branches]
    branch = step.branches[
        pick_branch(enrolment_id=run.enrolment_id, step_id=step.id, weights=weights)
    ]
    return Outcome(f"branch {branch.key}", branch.next, branch=f"{step.id}:{branch.key}")


def _adaptive(run: Run, step: Step) -> Outcome:
    from cadence.decisions import service as decisions

    eligible = [
        b.key
        for b in step.branches
        if b.message is not None
        and delivery.passes_gate(
            run.uow, contact_id=run.contact_id, message_key=b.message, at=run.now, source=run.source
        )
    ]
    if not eligible:
        return Outcome("no option passes the send gate", step.next)
    chosen = decisions.choose(
        run.uow,
        point=point_key(run.journey.key, step.id),
        contact_id=run.contact_id,
        eligible=eligible,
        context={},
        at=run.now,
        source=run.source,
    )
    branch = next(b for b in step.branches if b.key == chosen.option)
    status = _send(run, step, str(branch.message))
    return Outcome(
        f"chose {branch.key} (p={chosen.propensity:.3f}): {status}",
        branch.next,
        branch=f"{step.id}:{branch.key}",
    )


def point_key(journey: str, step_id: str) -> str:
    return f"journey:{journey}:{step_id}"


def _key(run: Run, step: Step) -> str:
    return delivery.send_key(
        journey=run.journey.key,
        version=run.version,
        enrolment_id=run.enrolment_id,
        step_id=step.id,
        visit=run.visit,
    )


def _send(run: Run, step: Step, message_key: str) -> str:
    return delivery.send(
        run.uow,
        contact_id=run.contact_id,
        message_key=message_key,
        idempotency_key=_key(run, step),
        at=run.now,
        source=run.source,
    )


def _send_step(run: Run, step: Step) -> Outcome:
    message = step.spec["message"]
    if run.batch is None:
        return Outcome(f"{message}: {_send(run, step, message)}", step.next)
    pending = delivery.Pending(
        contact_id=run.contact_id,
        message_key=message,
        idempotency_key=_key(run, step),
        source=run.source,
    )
    return Outcome(message, step.next, send=run.batch.add(run.uow, pending))


def _set_trait(run: Run, step: Step) -> Outcome:
    from cadence import pipeline
    from cadence.events.spec import Event

    event = Event(
        message_id=f"journey-{run.enrolment_id}-{run.seq}",
        type="identify",
        user_id=None,
        anonymous_id=None,
        ts=run.now,
        received_at=run.now,
        traits=dict(step.spec["traits"]),
        contact_id=run.contact_id,
    )
    pipeline.process(run.uow, [event], now=run.now)
    return Outcome(f"set {', '.join(sorted(step.spec['traits']))}", step.next)


def _add_to_list(run: Run, step: Step) -> Outcome:
    from cadence.segments.service import set_static

    moved = set_static(run.uow, step.spec["list"], [run.contact_id], add=True, now=run.now)
    return Outcome(f"added to {step.spec['list']}" if moved else "already on the list", step.next)


def _notify_owner(run: Run, step: Step) -> Outcome:
    """A follow-up task for the contact's sales owner, plus the outbox event (for webhooks).

    Internal: it never passes the contact's send gate and creates no send, so nothing can
    reach the contact; without an owner there is nobody to task, and the run row says so.
    """
    row = run.uow.conn.execute(
        select(contacts.c.owner, contacts.c.traits).where(contacts.c.id == run.contact_id)
    ).first()
    owner = row.owner if row is not None else None
    note = str(step.spec.get("note", ""))
    where = {
        "journey": run.journey.key,
        "version": run.version,
        "step": step.id,
        "enrolment_id": run.enrolment_id,
    }
    task_id = None
    if owner:
        traits = row.traits if row is not None and isinstance(row.traits, dict) else {}
        task_id = create_task(
            run.uow,
            kind=FOLLOW_UP,
            contact_id=run.contact_id,
            owner=owner,
            body=note or f"Follow up (journey {run.journey.key}, step {step.id})",
            details={**where, "name": full_name(traits)},
            at=run.now,
        )
    run.uow.conn.execute(
        insert(outbox).values(
            topic="journey.notify_owner",
            contact_id=run.contact_id,
            payload={**where, "owner": owner, "note": note, "task_id": task_id},
            created_at=run.now,
        )
    )
    if task_id is None:
        return Outcome("no owner: nobody to notify, no task created", step.next)
    return Outcome(f"task {task_id} for {owner}", step.next)


def _lifecycle(run: Run, step: Step) -> Outcome:
    target = str(step.spec["stage"])
    stage = run.uow.conn.execute(
        select(contacts.c.lifecycle_stage).where(contacts.c.id == run.contact_id)
    ).scalar()
    if stage == target:
        return Outcome(f"already {target}", step.next)
    run.uow.conn.execute(
        update(contacts).where(contacts.c.id == run.contact_id).values(lifecycle_stage=target)
    )
    reason = f"journey {run.journey.key}, step {step.id}"
    lifecycle.record(
        run.uow,
        [lifecycle.Transition(run.contact_id, stage, target, run.now, reason, run.source)],
    )
    return Outcome(f"{stage} -> {target}", step.next)


def _goal(run: Run, step: Step) -> Outcome:
    if holds(run.uow, raw=step.spec["condition"], contact_id=run.contact_id, now=run.now):
        return Outcome("goal reached", None, finish="converted")
    return Outcome("goal not reached", step.next)


def _exit(run: Run, step: Step) -> Outcome:
    return Outcome("exit", None, finish="completed")


_EXECUTORS: dict[str, Callable[[Run, Step], Outcome]] = {
    "wait": _wait,
    "condition": _condition,
    "random": _random,
    "adaptive": _adaptive,
    "send": _send_step,
    "set_trait": _set_trait,
    "add_to_list": _add_to_list,
    "notify_owner": _notify_owner,
    "lifecycle": _lifecycle,
    "goal": _goal,
    "exit": _exit,
}
