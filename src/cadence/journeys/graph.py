"""Checks on a journey's graph as a whole: edges to known steps, reachability, no wait-less cycle.

A cycle is allowed only through a wait step; otherwise one due row could run forever
inside a single scheduler pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from cadence.errors import FieldError
from cadence.journeys.models import Step


def edges(step: Step) -> list[tuple[str, str]]:
    """(field path inside the step, target id) for every outgoing edge."""
    found = [(name, step.spec.get(name)) for name in ("yes", "no", "timeout_next")]
    found.insert(0, ("next", step.next))
    branch_field = "options" if step.type == "adaptive" else "branches"
    found += [(f"{branch_field}[{i}].next", b.next) for i, b in enumerate(step.branches)]
    return [(name, target) for name, target in found if isinstance(target, str)]


def check(steps: Sequence[Step], *, path: str) -> list[FieldError]:
    """Every problem of the graph, each with the path of the step or edge that causes it."""
    index = {step.id: i for i, step in enumerate(steps)}
    errors = [
        FieldError(f"{path}[{i}].{name}", f"unknown step {target!r}")
        for i, step in enumerate(steps)
        for name, target in edges(step)
        if target not in index
    ]
    if errors or not steps:
        return errors
    reached = reachable(steps)
    errors += [
        FieldError(f"{path}[{i}]", f"step {s.id!r} cannot be reached from {steps[0].id!r}")
        for i, s in enumerate(steps)
        if s.id not in reached
    ]
    cycle = waitless_cycle(steps)
    if cycle:
        errors.append(
            FieldError(
                f"{path}[{index[cycle[0]]}]",
                f"cycle without a wait step: {' -> '.join([*cycle, cycle[0]])}",
            )
        )
    return errors


def reachable(steps: Sequence[Step]) -> set[str]:
    by_id = {s.id: s for s in steps}
    seen: set[str] = set()
    todo = [steps[0].id]
    while todo:
        current = todo.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        todo.extend(target for _, target in edges(by_id[current]))
    return seen


def on_cycle(steps: Sequence[Step]) -> frozenset[str]:
    """The ids of steps that lie on some cycle (a loop can visit them more than once)."""
    by_id = {s.id: s for s in steps}
    found: set[str] = set()
    for step in steps:
        seen: set[str] = set()
        todo = [target for _, target in edges(step)]
        while todo and step.id not in seen:
            current = todo.pop()
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            todo.extend(target for _, target in edges(by_id[current]))
        if step.id in seen:
            found.add(step.id)
    return frozenset(found)


def waitless_cycle(steps: Sequence[Step]) -> list[str]:
    """A cycle that passes no wait step (its step ids), or [] when there is none."""
    by_id = {s.id: s for s in steps}
    colour: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> list[str]:
        colour[node] = 1
        trail.append(node)
        step = by_id[node]
        for _, target in [] if step.type == "wait" else edges(step):
            if colour.get(target) == 1:
                return trail[trail.index(target) :]
            if target not in colour:
                found = visit(target, trail)
                if found:
                    return found
        trail.pop()
        colour[node] = 2
        return []

    for step in steps:
        if step.id not in colour:
            found = visit(step.id, [])
            if found:
                return found
    return []
