from sqlalchemy import Engine, inspect

from cadence.db.engine import make_engine
from cadence.db.migrate import current_revision, head_revision
from cadence.db.tables import metadata


def test_migrations_create_every_table(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {table.name for table in metadata.sorted_tables} <= tables


def test_postgresql_sessions_plan_every_execution(postgres_database: str) -> None:
    """Prepared batch queries must not keep a generic plan made from early statistics."""
    engine = make_engine(postgres_database)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
    finally:
        engine.dispose()
