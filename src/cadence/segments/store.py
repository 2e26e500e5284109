"""Storage of segment definitions, members, history and due re-checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import delete, select, tuple_

from cadence.conditions import (
    Condition,
    Dependencies,
    InvalidCondition,
    dependencies,
    parse_condition,
)
from cadence.conditions.compiled import Compiled, compile_python
from cadence.conditions.models import Leaf
from cadence.conditions.references import walk_leaves
from cadence.conditions.requirements import Requirements, requirements
from cadence.conditions.timing import clocked_leaves
from cadence.db.bulk import CHUNK, chunks, insert_many
from cadence.db.engine import UnitOfWork
from cadence.db.params import among
from cadence.db.tables import segment_members, segments

SCHEDULE_KIND = "segment"


@dataclass(frozen=True)
class LiveSegment:
    """A stored segment, parsed once per batch."""

    id: int
    key: str
    kind: str
    node: Condition | None
    deps: Dependencies
    leaf_deps: tuple[tuple[str, Dependencies], ...] = ()  # each leaf's path and dependencies
    clocked: tuple[Leaf, ...] | None = None  # the leaves time alone can change; None: walk
    needs: Requirements = field(default_factory=Requirements)  # what a member must have
    compiled: Compiled | None = None  # the condition as closures, for many contacts

    @property
    def dynamic(self) -> bool:
        return self.kind == "dynamic" and self.node is not None


def load_segments(uow: UnitOfWork) -> list[LiveSegment]:
    """Every segment, referenced segments before those that reference them."""
    found: list[LiveSegment] = []
    for row in uow.conn.execute(
        select(segments.c.id, segments.c.key, segments.c.kind, segments.c.condition)
    ):
        parsed: _Parsed = (None, Dependencies(), (), (), Requirements(), None)
        if row.kind == "dynamic":
            parsed = _parsed(orjson.dumps(row.condition, option=orjson.OPT_SORT_KEYS).decode())
        found.append(LiveSegment(row.id, row.key, row.kind, *parsed))
    return topological(found)


_Parsed = tuple[
    Condition | None,
    Dependencies,
    tuple[tuple[str, Dependencies], ...],
    tuple[Leaf, ...],
    Requirements,
    Compiled | None,
]


@lru_cache(maxsize=1024)
def _parsed(text: str) -> _Parsed:
    """A stored condition parsed, with its dependencies; every batch reads the same few."""
    try:
        node = parse_condition(orjson.loads(text))
    except InvalidCondition:
        # stored definitions were validated; never matches
        return None, Dependencies(), (), (), Requirements(), None
    leaves = tuple((path, dependencies(leaf)) for path, leaf in walk_leaves(node))
    compiled = compile_python(node)
    return node, dependencies(node), leaves, clocked_leaves(node), requirements(node), compiled


def topological(items: Sequence[LiveSegment]) -> list[LiveSegment]:
    by_key = {s.key: s for s in items}
    ordered: list[LiveSegment] = []
    placed: set[str] = set()

    def place(segment: LiveSegment, trail: frozenset[str]) -> None:
        if segment.key in placed or segment.key in trail:
            return
        for ref in sorted(segment.deps.segments):
            if ref in by_key:
                place(by_key[ref], trail | {segment.key})
        placed.add(segment.key)
        ordered.append(segment)

    for segment in sorted(items, key=lambda s: s.key):
        place(segment, frozenset())
    return ordered


def memberships(uow: UnitOfWork, contact_ids: Collection[int]) -> dict[tuple[int, int], str]:
    """(segment id, contact id) -> segment key, for every current membership of the given
    contacts (static lists too: conditions read the keys)."""
    found: dict[tuple[int, int], str] = {}
    if not contact_ids:
        return found
    m = segment_members.c
    query = (
        select(m.segment_id, m.contact_id, segments.c.key)
        .join(segments, segments.c.id == m.segment_id)
        .where(among(m.contact_id, contact_ids, dialect=uow.dialect))
    )
    found.update(((s, c), key) for s, c, key in uow.conn.execute(query))
    return found


def write_changes(
    uow: UnitOfWork,
    *,
    entered: list[tuple[int, int, int, dict[str, Any]]],
    exited: list[tuple[int, int, int, dict[str, Any]]],
    keys: dict[int, str],
) -> None:
    """Apply enter/exit decisions (segment, contact, at, reason): members, history and outbox."""
    dumps = orjson.dumps
    _insert(
        uow,
        "segment_members",
        ("segment_id", "contact_id", "entered_at"),
        [(s, c, at) for s, c, at, _ in entered],
    )
    m = segment_members.c
    for part in chunks([(s, c) for s, c, _, _ in exited]):
        uow.conn.execute(
            delete(segment_members).where(tuple_(m.segment_id, m.contact_id).in_(part))
        )
    history = [(s, c, "entered", at, dumps(r).decode()) for s, c, at, r in entered]
    history += [(s, c, "exited", at, dumps(r).decode()) for s, c, at, r in exited]
    _insert(uow, "segment_history", ("segment_id", "contact_id", "action", "at", "reason"), history)
    payloads = {s: dumps({"segment": key, "segment_id": s}).decode() for s, key in keys.items()}
    outbox_rows = [(f"segment.{action}", c, payloads[s], at) for s, c, action, at, _ in history]
    _insert(uow, "outbox", ("topic", "contact_id", "payload", "created_at"), outbox_rows)


def clear_rechecks(uow: UnitOfWork, pairs: Iterable[tuple[int, int]]) -> None:
    """Delete the re-checks of these (segment, contact) pairs: one statement per chunk of
    contacts evaluated against the same segments (a batch of new contacts: one), each an
    index walk of `segment IN (...) AND contact IN (...)` (a list of row values makes
    PostgreSQL scan). Plain driver SQL: SQLAlchemy's expansion of long IN lists cost more
    than the deletes (and SQLite deletes by a JSON array of contacts more slowly)."""
    by_contact: dict[int, set[int]] = defaultdict(set)
    for segment_id, contact_id in pairs:
        by_contact[contact_id].add(segment_id)
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for contact_id, evaluated in by_contact.items():
        groups[frozenset(evaluated)].append(contact_id)
    mark = "?" if uow.dialect == "sqlite" else "%s"
    for segment_ids, contact_ids in sorted(groups.items(), key=lambda item: sorted(item[0])):
        refs = sorted(segment_ids)
        for part in chunks(sorted(contact_ids), CHUNK - len(refs) - 1):
            sql = (
                f"DELETE FROM schedule WHERE kind = {mark}"  # noqa: S608
                f" AND ref_id IN ({', '.join([mark] * len(refs))})"
                f" AND contact_id IN ({', '.join([mark] * len(part))})"
            )
            uow.conn.exec_driver_sql(sql, (SCHEDULE_KIND, *refs, *part))


def set_rechecks(
    uow: UnitOfWork, *, evaluated: Iterable[tuple[int, int]], due: dict[tuple[int, int], int]
) -> None:
    """Replace the due re-check of each evaluated (segment, contact) pair."""
    clear_rechecks(uow, evaluated)
    _insert(
        uow,
        "schedule",
        ("kind", "ref_id", "contact_id", "due_at"),
        [(SCHEDULE_KIND, s, c, at) for (s, c), at in due.items()],
    )


_JSON_COLUMNS = frozenset({"reason", "payload"})


def _insert(
    uow: UnitOfWork, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """insert_many; on PostgreSQL one array per column, unnested: psycopg's executemany of
    ~20k rows per table cost more client CPU than the rest of the stage."""
    if uow.dialect != "postgresql" or not rows:
        insert_many(uow.conn, table, columns, rows)
        return
    values = list(zip(*rows, strict=True))
    kinds = ["bigint" if isinstance(column[0], int) else "text" for column in values]
    picked = [f"{c}::jsonb" if c in _JSON_COLUMNS else c for c in columns]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(picked)}"  # noqa: S608
        f" FROM unnest({', '.join(f'%b::{k}[]' for k in kinds)}) AS u({', '.join(columns)})"
    )
    uow.conn.exec_driver_sql(sql, tuple(list(column) for column in values))
