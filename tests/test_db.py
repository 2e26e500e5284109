from sqlalchemy import Engine, inspect

from cadence.db.migrate import current_revision, head_revision
from cadence.db.tables import metadata


def test_migrations_create_every_table(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {table.name for table in metadata.sorted_tables} <= tables
