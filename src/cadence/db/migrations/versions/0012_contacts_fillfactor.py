"""contacts fillfactor — owned by H4 (issue 4: rescoring 1M contacts); PostgreSQL only

A rescore rewrites the lead fields (score, band, fit, grade) of every contact. None of them
is indexed, so PostgreSQL can make these updates HOT (no new index entries, far less WAL)
when the new row version fits on the same page: a fillfactor of 50 leaves room for one new
version of every row. Measured at 1M contacts, every row changing: 1M HOT updates wrote
0.6 GB of WAL in 16 s; on full pages (fillfactor 100) none was HOT: 4.9-5.9 GB of WAL
(three index entries a row), 29-43 s. The table takes twice the pages in exchange.

ALTER TABLE only sets the storage parameter: rows written from now on (inserts, and the
new versions of updated rows) follow it. Rows already stored keep their pages full until
the table is rewritten, which takes an exclusive lock, so it is left to a maintenance
window: ``VACUUM FULL contacts`` (or ``CLUSTER contacts USING pk_contacts``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 07:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 50


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE contacts SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE contacts RESET (fillfactor)")
