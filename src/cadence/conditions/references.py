"""Segment references: walking a condition's leaves, unknown keys and cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cadence.conditions.errors import ConditionError, join_path
from cadence.conditions.models import AllOf, AnyOf, Condition, Leaf, Not, SegmentCond

# segment key -> its parsed condition (STATIC_SEGMENT for a static list), None if unknown
Resolver = Callable[[str], Condition | None]


def walk_leaves(node: Condition, path: str = "") -> Iterator[tuple[str, Leaf]]:
    """Every leaf with its path, in document order (`all[0]`, `all[1].not` ...)."""
    if isinstance(node, AllOf | AnyOf):
        kind = "all" if isinstance(node, AllOf) else "any"
        for index, item in enumerate(node.items):
            yield from walk_leaves(item, join_path(join_path(path, kind), index))
    elif isinstance(node, Not):
        yield from walk_leaves(node.item, join_path(path, "not"))
    else:
        yield path, node


def segment_keys(node: Condition) -> frozenset[str]:
    return frozenset(leaf.key for _, leaf in walk_leaves(node) if isinstance(leaf, SegmentCond))


def _find_cycle(start: str, *, resolver: Resolver, segment_key: str | None) -> list[str] | None:
    """A chain of references from `start` that comes back on itself, if any."""
    finished: set[str] = set()

    def visit(key: str, chain: list[str]) -> list[str] | None:
        if key in chain or key == segment_key:
            return [*chain, key]
        if key in finished:
            return None
        target = resolver(key)
        for ref in sorted(segment_keys(target)) if target is not None else ():
            cycle = visit(ref, [*chain, key])
            if cycle is not None:
                return cycle
        finished.add(key)
        return None

    return visit(start, [segment_key] if segment_key else [])


def check_references(
    node: Condition, *, resolver: Resolver, segment_key: str | None = None
) -> list[ConditionError]:
    """Unknown segments and reference cycles, each at the path of the offending leaf."""
    errors: list[ConditionError] = []
    for path, leaf in walk_leaves(node):
        if not isinstance(leaf, SegmentCond):
            continue
        leaf_path = join_path(path, "segment")
        if leaf.key != segment_key and resolver(leaf.key) is None:
            errors.append(ConditionError(leaf_path, f"unknown segment {leaf.key!r}"))
            continue
        cycle = _find_cycle(leaf.key, resolver=resolver, segment_key=segment_key)
        if cycle is not None:
            message = f"segment references form a cycle: {' -> '.join(cycle)}"
            errors.append(ConditionError(leaf_path, message))
    return errors
