"""PostgreSQL: the distinct plates indexed backwards too, for tolerant searches.

A tolerant search looks up some 170 fixed-length LIKE patterns for a seven-character plate
(every look-alike swap and edit, search/likeness.py). Through the plates' two-character
pieces (GIN, migration 0010) each cost about 1.3 ms, because a piece's posting list holds one
plate in thirty: 225 ms at ten million reads. Most of those patterns have three or more
known characters at one end. The known start narrows a range of the plates' own primary key
(its collation is "C", migration 0009); the known end narrows a range of this index of the
reversed plate. Both are read index-only (the plate is INCLUDEd), a few dozen entries a
pattern. The GIN index keeps the patterns with two unknown characters near both ends.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_plates_reversed ON plates (reverse(plate)) INCLUDE (plate)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_plates_reversed")
