"""``among``: a list of ids or keys as one parameter selects exactly those rows, however many."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from cadence.db.params import among
from cadence.db.tables import schedule

ROWS = 2500  # more than the 900 placeholders an IN list was chunked into


def _stored(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schedule),
            [{"kind": "band", "ref_id": 0, "contact_id": n, "due_at": n} for n in range(ROWS)],
        )


def test_among_selects_exactly_the_listed_ids(engine: Engine) -> None:
    _stored(engine)
    wanted = set(range(0, ROWS, 2)) | {ROWS + 5}  # 1,251 ids, one of them absent
    with engine.connect() as conn:
        query = sa.select(schedule.c.contact_id).where(
            among(schedule.c.contact_id, wanted, dialect=engine.dialect.name)
        )
        assert set(conn.scalars(query)) == set(range(0, ROWS, 2))
        nothing = sa.select(schedule.c.contact_id).where(
            among(schedule.c.contact_id, [], dialect=engine.dialect.name)
        )
        assert list(conn.scalars(nothing)) == []


def test_among_in_a_delete(engine: Engine) -> None:
    _stored(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.delete(schedule).where(
                schedule.c.kind == "band",
                among(schedule.c.contact_id, range(100, 2100), dialect=engine.dialect.name),
            )
        )
        left = set(conn.scalars(sa.select(schedule.c.contact_id)))
    assert left == set(range(100)) | set(range(2100, ROWS))


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(min_value=-(2**62), max_value=2**62), max_size=50))
def test_among_matches_python_membership_on_sqlite(ids: set[int]) -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.BigInteger, primary_key=True))
    table.metadata.create_all(engine)
    stored = {0, 1, -1, 2**40, *list(ids)[:10]}
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": i} for i in stored])
        found = set(
            conn.scalars(sa.select(table.c.id).where(among(table.c.id, ids, dialect="sqlite")))
        )
    engine.dispose()
    assert found == stored & ids


def test_among_on_a_text_column(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schedule),
            [{"kind": k, "ref_id": 0, "contact_id": 1, "due_at": 0} for k in ("a", "b", "c", "7")],
        )
        query = sa.select(schedule.c.kind).where(
            among(schedule.c.kind, ["a", "c", "7", "absent"], dialect=engine.dialect.name)
        )
        assert sorted(conn.scalars(query)) == ["7", "a", "c"]
