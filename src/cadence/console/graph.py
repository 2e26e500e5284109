"""A journey's graph laid out for SVG: columns by distance from the start (pure)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

NODE_W: Final = 150
NODE_H: Final = 46
GAP_X: Final = 60
GAP_Y: Final = 24


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    x: int
    y: int
    label: str  # e.g. "12 waiting · 40 passed"


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def columns(start: str, targets: Mapping[str, Sequence[tuple[str, str]]]) -> dict[str, int]:
    """Breadth-first distance of each step from the start (unreachable steps go last)."""
    depth = {start: 0}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for _, target in targets.get(here, ()):
            if target not in depth and target in targets:
                depth[target] = depth[here] + 1
                queue.append(target)
    last = max(depth.values(), default=0) + 1
    return {step: depth.get(step, last) for step in targets}


def layout(
    *,
    order: Sequence[tuple[str, str]],
    targets: Mapping[str, Sequence[tuple[str, str]]],
    labels: Mapping[str, str],
) -> Layout:
    """``order``: (step id, type) as written; ``targets``: (edge label, target) per step."""
    if not order:
        return Layout(0, 0, (), ())
    depth = columns(order[0][0], targets)
    rows: dict[int, int] = {}
    places: dict[str, tuple[int, int]] = {}
    nodes = []
    for step_id, kind in order:
        column = depth[step_id]
        row = rows.get(column, 0)
        rows[column] = row + 1
        x, y = 10 + column * (NODE_W + GAP_X), 10 + row * (NODE_H + GAP_Y)
        places[step_id] = (x, y)
        nodes.append(Node(step_id, kind, x, y, labels.get(step_id, "")))
    edges = []
    for step_id, outgoing in targets.items():
        x1, y1 = places[step_id]
        for label, target in outgoing:
            if target in places:
                x2, y2 = places[target]
                edges.append(Edge(x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2, label))
    width = 20 + (max(depth.values()) + 1) * (NODE_W + GAP_X)
    height = 20 + max(rows.values()) * (NODE_H + GAP_Y)
    return Layout(width, height, tuple(nodes), tuple(edges))
