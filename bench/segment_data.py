"""Bulk test data for the segment benchmarks, written straight into the tables.

This is data set-up, not the ingestion path: contacts, accounts and events are
generated with numpy and written with cadence.db.bulk.insert_many (SQLite) or
COPY (PostgreSQL) in large transactions, with the events' secondary indexes
dropped during the load and created again afterwards. Purchase aggregates and
first/last seen times on the contacts agree with the generated events.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, create_engine, text

from bench.segment_vocabulary import (
    ACCOUNT_COLUMNS,
    CAMPAIGNS,
    CONTACT_COLUMNS,
    COUNTRIES,
    EVENT_COLUMNS,
    EVENT_MIX,
    FUNCTIONS,
    IDENTITY_COLUMNS,
    INDUSTRIES,
    LINK_COLUMNS,
    ORDER,
    PAGES,
    PLANS,
    PRODUCTS,
    SENIORITY,
    TITLES,
)
from cadence.db.bulk import insert_many
from cadence.db.migrate import upgrade
from cadence.db.tables import events as events_table

DAY_MS = 86_400_000
HISTORY_DAYS = 180
CHUNK = 200_000
# bump when the generator changes what it writes, so cached data sets are not reused
DATA_VERSION = 1
# data sets at least this big are cached (CADENCE_BENCH_CACHE=off turns the cache off)
CACHE_FROM_EVENTS = 1_000_000


@dataclass
class Loaded:
    contacts: int
    accounts: int
    events: int
    seconds: float


def _pick(rng: np.random.Generator, weights: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass
class _Events:
    """The event skeleton: who, what and when, sorted by time (arrival order)."""

    contact: np.ndarray  # 1-based contact ids
    name: np.ndarray  # index into EVENT_MIX
    ts: np.ndarray  # epoch ms
    revenue: np.ndarray  # per event, 0 unless an order


def _skeleton(rng: np.random.Generator, *, contacts: int, events: int, now: int) -> _Events:
    activity = rng.lognormal(mean=0.0, sigma=1.2, size=contacts)
    contact = rng.choice(contacts, size=events, p=activity / activity.sum()).astype(np.int64) + 1
    name = _pick(rng, [w for _, _, w in EVENT_MIX], events).astype(np.int8)
    ts = np.sort(rng.integers(now - HISTORY_DAYS * DAY_MS, now, size=events, dtype=np.int64))
    revenue = np.where(name == ORDER, np.round(rng.gamma(2.0, 150.0, size=events), 2), 0.0)
    return _Events(contact, name, ts, revenue)


def _first_last(ids: np.ndarray, ts: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per id (0..size), the earliest and latest ts among rows sorted by ts (-1 when none)."""
    first = np.full(size + 1, -1, dtype=np.int64)
    last = np.full(size + 1, -1, dtype=np.int64)
    if len(ids):
        unique, index = np.unique(ids, return_index=True)
        first[unique] = ts[index]
        unique, index = np.unique(ids[::-1], return_index=True)
        last[unique] = ts[::-1][index]
    return first, last


def _traits(rng: np.random.Generator, contacts: int) -> Iterator[dict[str, Any]]:
    """Profile traits per contact, in id order; some profiles never said where they are."""
    countries, seniorities, plans = list(COUNTRIES), list(SENIORITY), list(PLANS)
    country = _pick(rng, [w for _, w in COUNTRIES.values()], contacts)
    seniority = _pick(rng, list(SENIORITY.values()), contacts)
    plan = _pick(rng, list(PLANS.values()), contacts)
    function = rng.integers(0, len(FUNCTIONS), size=contacts)
    title_pick = rng.integers(0, 1000, size=contacts)
    located = rng.random(size=contacts) > 0.08
    for i in range(contacts):
        level = seniorities[seniority[i]]
        titles = TITLES[level]
        traits: dict[str, Any] = {
            "email": f"person{i}@example.com",  # as bench/workload.py names person i
            "first_name": f"P{i}",
            "job_title": titles[title_pick[i] % len(titles)].format(f=FUNCTIONS[function[i]]),
            "seniority": level,
            "plan": plans[plan[i]],
        }
        if located[i]:
            code = countries[country[i]]
            traits.update(country=code, region=COUNTRIES[code][0])
        yield traits


@dataclass
class _Activity:
    """Per contact id: first/last seen and purchase aggregates that agree with the events."""

    first: np.ndarray
    last: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray
    first_order: np.ndarray
    last_order: np.ndarray

    @classmethod
    def of(cls, ev: _Events, signup: np.ndarray) -> _Activity:
        size = len(signup) - 1
        seen_first, seen_last = _first_last(ev.contact, ev.ts, size)
        first = np.where(seen_first < 0, signup, np.minimum(signup, seen_first))
        last = np.where(seen_last < 0, first, seen_last)
        is_order = ev.name == ORDER
        buyers = ev.contact[is_order]
        first_order, last_order = _first_last(buyers, ev.ts[is_order], size)
        orders = np.bincount(buyers, minlength=size + 1)
        revenue = np.bincount(buyers, weights=ev.revenue[is_order], minlength=size + 1)
        return cls(first, last, orders, revenue, first_order, last_order)

    def purchases(self, cid: int) -> tuple[Any, ...]:
        if not self.orders[cid]:
            return 0, 0.0, None, None
        revenue = round(float(self.revenue[cid]), 2)
        return int(self.orders[cid]), revenue, int(self.first_order[cid]), int(self.last_order[cid])


def _contact_rows(
    rng: np.random.Generator, *, contacts: int, ev: _Events, now: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Rows of the contacts table (CONTACT_COLUMNS) and their identities, in chunks.

    Contact ``i + 1`` is person ``i`` of bench/workload.py (same anonymous id, user id and
    email), so the ingestion workload can add events to these contacts.
    """
    signup = now - rng.integers(0, 720 * DAY_MS, size=contacts + 1, dtype=np.int64)
    activity = _Activity.of(ev, signup)
    score = np.round(rng.exponential(20.0, size=contacts + 1), 2)
    score_as_of = now - rng.integers(0, 60 * DAY_MS, size=contacts + 1, dtype=np.int64)
    extra = rng.integers(0, 1000, size=contacts + 1)
    rows: list[tuple[Any, ...]] = []
    identities: list[tuple[Any, ...]] = []
    for cid, traits in enumerate(_traits(rng, contacts), start=1):
        first, last, s = int(activity.first[cid]), int(activity.last[cid]), float(score[cid])
        purchases = activity.purchases(cid)
        band = 1 if s > 60 else 2 if s > 40 else 3 if s > 20 else 4 if s > 5 else 5
        grade, owner = "ABCDE"[extra[cid] % 5], f"owner-{cid % 40}" if extra[cid] < 200 else None
        stage = "customer" if purchases[0] else "lead"
        user_id = f"user-{cid - 1}" if extra[cid] % 10 < 7 else None
        identities += [("anonymous_id", f"anon-{cid - 1}", cid, first)]
        identities += [("email", traits["email"], cid, first)]
        identities += [("user_id", user_id, cid, first)] if user_id else []
        profile = (user_id, traits["email"], _json(traits), "{}", first, last, first, last)
        level = 2 if "country" in traits else 1
        scoring = (s, int(score_as_of[cid]), band, float(extra[cid] % 100), grade, stage, owner)
        rows.append((cid, *profile, *purchases, last, False, level, *scoring))
        if len(rows) >= CHUNK:
            yield rows, identities
            rows, identities = [], []
    if rows:
        yield rows, identities


def _account_rows(rng: np.random.Generator, *, accounts: int, now: int) -> list[tuple[Any, ...]]:
    employees = np.clip(np.round(rng.lognormal(4.5, 1.8, size=accounts)), 1, 250_000)
    industry = rng.integers(0, len(INDUSTRIES), size=accounts)
    rows = [
        (
            a + 1,
            f"acct-{a + 1}",
            f"Company {a + 1}",
            _json({"employees": int(employees[a]), "industry": INDUSTRIES[industry[a]]}),
            "{}",
            now,
            now,
        )
        for a in range(accounts)
    ]
    return rows


def _link_rows(
    rng: np.random.Generator, *, contacts: int, accounts: int, now: int
) -> list[tuple[Any, ...]]:
    """60% of contacts work at a (primary) account; a tenth of those also at a second one."""
    linked = np.flatnonzero(rng.random(size=contacts) < 0.6) + 1
    primary = rng.integers(1, accounts + 1, size=len(linked))
    rows = [(int(c), int(a), True, now) for c, a in zip(linked, primary, strict=True)]
    extra = rng.random(size=len(linked)) < 0.1
    second = rng.integers(1, accounts + 1, size=len(linked))
    rows += [
        (int(c), int(a), False, now)
        for c, a, p, more in zip(linked, second, primary, extra, strict=True)
        if more and a != p
    ]
    return rows


def _property_pools(rng: np.random.Generator) -> list[list[str]]:
    """Serialised properties to draw from, per event name (orders are built one by one)."""
    pools: list[list[str]] = []
    for name, _, _ in EVENT_MIX:
        if name == "Page Viewed":
            pool = [_json({"path": p, "title": p.strip("/") or "home"}) for p in PAGES]
            # /pricing a little more often than the rest
            pool += [_json({"path": "/pricing", "title": "pricing"})] * 2
        elif name.startswith("Email"):
            pool = [
                _json({"campaign": c, "email_id": f"e-{c}-{i}"}) for c in CAMPAIGNS for i in (1, 2)
            ]
        elif name in ("Webinar Registered", "Webinar Attended"):
            pool = [_json({"webinar": w}) for w in ("intro", "advanced", "roadmap")]
        elif name == "Form Submitted":
            pool = [_json({"form": f}) for f in ("newsletter", "contact", "ebook")]
        else:
            pool = ["{}"]
        pools.append(pool)
    return pools


def _order_properties(rng: np.random.Generator, index: int, revenue: float) -> str:
    count = int(rng.integers(1, 4))
    picks = rng.choice(len(PRODUCTS), size=count, replace=False)
    items = [
        {
            "product_id": PRODUCTS[p][0],
            "sku": PRODUCTS[p][0].upper(),
            "name": PRODUCTS[p][1],
            "category": PRODUCTS[p][2],
            "price": PRODUCTS[p][3],
            "quantity": 1,
        }
        for p in picks
    ]
    return _json(
        {"order_id": f"o-{index}", "revenue": revenue, "currency": "EUR", "products": items}
    )


def _event_rows(rng: np.random.Generator, ev: _Events) -> Iterator[list[tuple[Any, ...]]]:
    pools = _property_pools(rng)
    names = [name for name, _, _ in EVENT_MIX]
    types = [kind for _, kind, _ in EVENT_MIX]
    draws = rng.integers(0, 1 << 30, size=len(ev.ts))
    for start in range(0, len(ev.ts), CHUNK):
        stop = min(start + CHUNK, len(ev.ts))
        contact = ev.contact[start:stop].tolist()
        name = ev.name[start:stop].tolist()
        ts = ev.ts[start:stop].tolist()
        draw = draws[start:stop].tolist()
        rows: list[tuple[Any, ...]] = []
        for j in range(stop - start):
            n = name[j]
            if n == ORDER:
                properties = _order_properties(rng, start + j, float(ev.revenue[start + j]))
            else:
                pool = pools[n]
                properties = pool[draw[j] % len(pool)]
            row = (contact[j], types[n], names[n], ts[j], ts[j], properties, None)
            rows.append((f"gen-{start + j:010d}", *row))
        yield rows


def _write(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    if conn.dialect.name != "postgresql":
        insert_many(conn, table, columns, rows)
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def load(engine: Engine, *, contacts: int, events: int, now: int, seed: int = 7) -> Loaded:
    """Fill an empty, migrated database with ``contacts`` people and ``events`` events.

    Big data sets are generated once and kept (a PostgreSQL template database, a copy of
    the SQLite file): a later run with the same sizes and seed copies them instead, then
    brings the copy to the current schema. A copy's times were generated against the
    ``now`` of its first run, which only shifts every window by that age.
    """
    started = time.perf_counter()
    key = _cache_key(contacts=contacts, events=events, seed=seed)
    if key is not None and _restore(engine, key):
        accounts = max(1, contacts // 25)
        return Loaded(contacts, accounts, events, time.perf_counter() - started)
    loaded = _generate(engine, contacts=contacts, events=events, now=now, seed=seed)
    if key is not None:
        _keep(engine, key)
    return Loaded(loaded.contacts, loaded.accounts, loaded.events, time.perf_counter() - started)


def _cache_key(*, contacts: int, events: int, seed: int) -> str | None:
    if os.environ.get("CADENCE_BENCH_CACHE", "on") == "off" or events < CACHE_FROM_EVENTS:
        return None
    digest = hashlib.sha256(f"{DATA_VERSION}:{contacts}:{events}:{seed}".encode()).hexdigest()
    return f"cadence_cache_{contacts}_{events}_{seed}_{digest[:8]}"


def _cache_folder() -> str:
    return os.environ.get("CADENCE_BENCH_CACHE_DIR", "/tmp/cadence-bench-cache")


def _admin(engine: Engine) -> Engine:
    return create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _restore(engine: Engine, key: str) -> bool:
    """Replace the empty database behind ``engine`` by the cached data set ``key``."""
    engine.dispose()
    if engine.dialect.name == "postgresql":
        admin = _admin(engine)
        try:
            with admin.connect() as conn:
                found = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": key}
                ).first()
                if found is None:
                    return False
                name = engine.url.database
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.exec_driver_sql(
                    f'CREATE DATABASE "{name}" TEMPLATE "{key}" STRATEGY = FILE_COPY'
                )
        finally:
            admin.dispose()
    else:
        cached = os.path.join(_cache_folder(), f"{key}.db")
        if not os.path.exists(cached):
            return False
        target = engine.url.database
        assert target is not None
        for leftover in (f"{target}-wal", f"{target}-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        shutil.copyfile(cached, target)
    upgrade(engine)
    return True


def _keep(engine: Engine, key: str) -> None:
    """Store the freshly generated data set behind ``engine`` as ``key``."""
    engine.dispose()
    if engine.dialect.name == "postgresql":
        admin = _admin(engine)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{key}"')
                conn.exec_driver_sql(
                    f'CREATE DATABASE "{key}" TEMPLATE "{engine.url.database}" STRATEGY = FILE_COPY'
                )
        finally:
            admin.dispose()
        return
    source = engine.url.database
    assert source is not None
    os.makedirs(_cache_folder(), exist_ok=True)
    partial = os.path.join(_cache_folder(), f"{key}.db.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, os.path.join(_cache_folder(), f"{key}.db"))


def _generate(engine: Engine, *, contacts: int, events: int, now: int, seed: int) -> Loaded:
    """Generate the data set into the empty, migrated database behind ``engine``."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    accounts = max(1, contacts // 25)
    ev = _skeleton(rng, contacts=contacts, events=events, now=now)
    indexes = list(events_table.indexes)
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn, checkfirst=True)
        _write(conn, "accounts", ACCOUNT_COLUMNS, _account_rows(rng, accounts=accounts, now=now))
        for rows, identities in _contact_rows(rng, contacts=contacts, ev=ev, now=now):
            _write(conn, "contacts", CONTACT_COLUMNS, rows)
            _write(conn, "identities", IDENTITY_COLUMNS, identities)
        links = _link_rows(rng, contacts=contacts, accounts=accounts, now=now)
        _write(conn, "contact_accounts", LINK_COLUMNS, links)
    batch: list[tuple[Any, ...]] = []
    for rows in _event_rows(rng, ev):
        batch += rows
        if len(batch) >= 1_000_000:
            with engine.begin() as conn:
                _write(conn, "events", EVENT_COLUMNS, batch)
            batch = []
    with engine.begin() as conn:
        _write(conn, "events", EVENT_COLUMNS, batch)
        for index in indexes:
            index.create(conn, checkfirst=True)
    _analyze(engine)
    return Loaded(contacts, accounts, events, time.perf_counter() - started)


def _analyze(engine: Engine) -> None:
    """PostgreSQL's autovacuum would analyse after such a load; SQLite is left as the app has it."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("contacts", "accounts", "contact_accounts", "events"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        for table in ("contacts", "accounts"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            conn.exec_driver_sql(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
