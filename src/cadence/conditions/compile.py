"""Compile a condition into one SQLAlchemy boolean expression over `contacts`.

Use it as `select(contacts.c.id).where(compile_condition(...))` on SQLite or
PostgreSQL; it selects exactly the contacts evaluate() accepts at ctx.now.
Behaviour, purchase and account leaves become sets of contact ids (see
contacts_in), consents and segment memberships correlated EXISTS over their
primary keys. Merged (redirect) contacts are not filtered out here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from cadence.conditions.evaluate import PRODUCT_KEYS
from cadence.conditions.fields import FIELDS, SqlEnv
from cadence.conditions.models import (
    NEGATIONS,
    ORDER_EVENT,
    AllOf,
    AnyOf,
    BoughtCond,
    Condition,
    ConsentCond,
    EvalContext,
    EventCond,
    FieldCond,
    Not,
    Op,
    SegmentCond,
    Test,
)
from cadence.conditions.sql_json import Bool, JsonValue, PgJson, SqliteJson, order_items
from cadence.conditions.sql_tests import json_test, typed_test
from cadence.db.tables import (
    accounts,
    consents,
    contact_accounts,
    contacts,
    events,
    segment_members,
    segments,
)


def compile_condition(
    node: Condition, *, dialect: str, ctx: EvalContext, as_value: bool = False
) -> Bool:
    """The condition as SQL over `contacts`, for "sqlite" or "postgresql".

    ``as_value``: the result is used as a value (a CASE in a SELECT list or SET), not as
    a filter; PostgreSQL cannot turn EXISTS into a join there either, so it gets the
    uncorrelated IN (hashed once) as below an `any`."""
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported dialect {dialect!r}")
    compiler = _Compiler(SqlEnv(dialect, ctx.now_ms, ctx.half_life_ms), in_any=as_value)
    return compiler.node(node).expr


def event_where(node: EventCond, *, dialect: str, ctx: EvalContext) -> list[Bool]:
    """The leaf's ``where`` filters as SQL over `events` rows (name and window left out)."""
    return _Compiler(SqlEnv(dialect, ctx.now_ms, ctx.half_life_ms)).where_filters(node)


@dataclass(frozen=True, slots=True)
class _Sql:
    expr: Bool
    nullable: bool  # may be SQL NULL where Python says False


def _two_valued(sql: _Sql) -> Bool:
    return sa.func.coalesce(sql.expr, sa.false()) if sql.nullable else sql.expr


def _negated(sql: _Sql, negate: bool) -> _Sql:
    return _Sql(sa.not_(_two_valued(sql)), False) if negate else sql


@dataclass(frozen=True, slots=True)
class _Compiler:
    env: SqlEnv
    in_any: bool = False  # below an `any`: PostgreSQL cannot turn EXISTS into a join there

    def node(self, node: Condition) -> _Sql:
        if isinstance(node, AllOf | AnyOf):
            inner = replace(self, in_any=True) if isinstance(node, AnyOf) else self
            parts = [inner.node(item) for item in node.items]
            nullable = any(part.nullable for part in parts)
            exprs = [part.expr for part in parts]
            if isinstance(node, AllOf):
                return _Sql(sa.and_(sa.true(), *exprs), nullable)
            return _Sql(sa.or_(sa.false(), *exprs), nullable)
        if isinstance(node, Not):
            return _negated(self.node(node.item), True)
        if isinstance(node, FieldCond):
            return _negated(self.field(node), node.op in NEGATIONS)
        if isinstance(node, EventCond):
            return _Sql(self.event(node), False)
        if isinstance(node, BoughtCond):
            return _Sql(self.bought(node), False)
        if isinstance(node, ConsentCond):
            return _Sql(self.consent(node), False)
        return _Sql(self.segment(node), False)

    def json_at(self, document: ColumnElement[Any], path: Sequence[str]) -> JsonValue:
        if self.env.dialect == "sqlite":
            return SqliteJson.at(document, path)
        return PgJson.at(document, path)

    def field(self, node: FieldCond) -> _Sql:
        ref, test = node.field, node.test
        if ref.scope == "traits":
            value = self.json_at(contacts.c.traits, ref.path)
            return _Sql(json_test(test, value, self.env), True)
        if ref.scope == "account":
            value = self.json_at(accounts.c.traits, ref.path)
            passing = _primary_accounts().where(json_test(test, value, self.env))
            return _Sql(self.contacts_in(passing), False)
        spec = FIELDS[ref.name]
        return _Sql(typed_test(test, spec.sql(self.env), self.env), True)

    def window(self, ts: ColumnElement[int], window_ms: int | None) -> list[Bool]:
        if window_ms is None:
            return []
        now = self.env.now
        return [ts > now - sa.literal(window_ms, sa.BigInteger()), ts <= now]

    def event_filters(self, node: EventCond) -> list[Bool]:
        window = self.window(raw_ts(), node.window_ms)
        return [events.c.name == node.name, *window, *self.where_filters(node)]

    def where_filters(self, node: EventCond) -> list[Bool]:
        filters = []
        for item in node.where:
            value = self.json_at(events.c.properties, item.path)
            test = _Sql(json_test(item.test, value, self.env), True)
            filters.append(_two_valued(_negated(test, item.op in NEGATIONS)))
        return filters

    def event(self, node: EventCond) -> Bool:
        base = sa.select(events.c.contact_id).where(*self.event_filters(node))
        if node.max is None:
            return self.contacts_in(_counted(base, low=node.min)) if node.min else sa.true()
        if node.min == 0:  # at most max: not among those with more
            return sa.not_(self.contacts_in(_counted(base, low=node.max + 1)))
        return self.contacts_in(_counted(base, low=node.min, high=node.max))

    def bought(self, node: BoughtCond) -> Bool:
        items = order_items(self.env.dialect, events.c.properties)
        matches = []
        if node.product is not None:
            product = Test(Op.EQ, node.product)
            tests = (json_test(product, items.attribute(key), self.env) for key in PRODUCT_KEYS)
            matches.append(sa.or_(*tests))
        if node.category is not None:
            category = Test(Op.EQ, node.category)
            matches.append(json_test(category, items.attribute("category"), self.env))
        window = self.window(raw_ts(), node.window_ms)
        filters = [events.c.name == ORDER_EVENT, items.is_array, *window, *matches]
        query = sa.select(events.c.contact_id).join(items.table, sa.true()).where(*filters)
        return self.contacts_in(query)

    def contacts_in(self, ids: sa.Select[Any]) -> Bool:
        """contacts.id among the contact_id column of `ids`, as each database plans best.

        SQLite runs the uncorrelated IN once (a correlated EXISTS makes it scan an
        event-name index per contact); PostgreSQL turns EXISTS into a semi-join,
        and NOT EXISTS into an anti-join where NOT IN would not. Below an `any`
        neither join is possible, and a correlated EXISTS would run once per
        contact, so there PostgreSQL gets the IN too (hashed once); NULL ids are
        left out so that NOT IN stays two-valued.
        """
        if self.env.dialect == "sqlite":
            return contacts.c.id.in_(ids)
        found = ids.subquery()
        if self.in_any:
            column = found.c.contact_id
            return contacts.c.id.in_(sa.select(column).where(column.is_not(None)))
        query = sa.select(sa.literal(1)).select_from(found).correlate(contacts)
        return query.where(found.c.contact_id == contacts.c.id).exists()

    def consent(self, node: ConsentCond) -> Bool:
        now = self.env.now
        expires, paused = raw_col(consents.c.expires_at), raw_col(consents.c.paused_until)
        mine = [consents.c.contact_id == contacts.c.id, consents.c.channel == node.channel]
        filters = list(mine)
        if node.frequency is not None:
            filters.append(consents.c.frequency == node.frequency)
        if node.topic is not None:
            filters.append(consents.c.topic.in_((node.topic, "*")))
        status = consents.c.status
        expired = sa.and_(expires.is_not(None), expires <= now)
        is_paused = sa.and_(paused.is_not(None), paused > now)
        if node.status in ("withdrawn", "pending"):
            filters.append(status == node.status)
        elif node.status == "expired":
            filters.append(sa.or_(status == "expired", sa.and_(status == "granted", expired)))
        else:
            filters += [status == "granted", sa.not_(expired)]
            filters.append(is_paused if node.status == "paused" else sa.not_(is_paused))
        if node.topic in (None, "*"):
            return sa.select(sa.literal(1)).where(*filters).correlate(contacts).exists()
        # a topic's own row decides; the channel's "*" row only stands in without one
        own_row = sa.select(sa.literal(1)).where(*mine, consents.c.topic == node.topic)
        own = sa.select(sa.literal(1)).where(*filters, consents.c.topic == node.topic)
        star = sa.select(sa.literal(1)).where(*filters, consents.c.topic == "*")
        return sa.or_(
            own.correlate(contacts).exists(),
            sa.and_(
                star.correlate(contacts).exists(), sa.not_(own_row.correlate(contacts).exists())
            ),
        )

    def segment(self, node: SegmentCond) -> Bool:
        joined = segment_members.join(segments, segments.c.id == segment_members.c.segment_id)
        query = sa.select(sa.literal(1)).select_from(joined).correlate(contacts)
        member = segment_members.c.contact_id == contacts.c.id
        return query.where(member, segments.c.key == node.key).exists()


def raw_col(column: sa.Column[Any]) -> ColumnElement[int]:
    return sa.type_coerce(column, sa.BigInteger())


def raw_ts() -> ColumnElement[int]:
    return raw_col(events.c.ts)


def _counted(base: sa.Select[Any], *, low: int, high: int | None = None) -> sa.Select[Any]:
    """The contacts with low <= count of `base` rows (<= high)."""
    if low <= 1 and high is None:
        return base
    count = sa.func.count()
    having = [count >= low] + ([] if high is None else [count <= high])
    return base.group_by(events.c.contact_id).having(sa.and_(*having))


def _primary_accounts() -> sa.Select[Any]:
    """(contact_id) joined to its primary account: the lowest id among those marked primary."""
    link, other = contact_accounts, contact_accounts.alias("other_link")
    lower = sa.select(sa.literal(1)).where(
        other.c.contact_id == link.c.contact_id,
        other.c.is_primary.is_(sa.true()),
        other.c.account_id < link.c.account_id,
    )
    return (
        sa.select(link.c.contact_id)
        .join(accounts, accounts.c.id == link.c.account_id)
        .where(link.c.is_primary.is_(sa.true()), ~lower.exists())
    )
