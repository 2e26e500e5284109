"""core storage: profiles, segments and permission (the tables live in cadence.db.initial_schema)

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:06:50.877911
"""

from collections.abc import Sequence

from cadence.db.initial_schema import permission, profiles, segments

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    profiles.create()
    segments.create()
    permission.create()


def downgrade() -> None:
    permission.drop()
    segments.drop()
    profiles.drop()
