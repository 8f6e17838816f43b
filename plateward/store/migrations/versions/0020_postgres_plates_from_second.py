"""PostgreSQL: the distinct plates indexed from their second and third characters too.

Of the 124-172 fixed-length LIKE patterns of a tolerant search, the few with an unknown
character near each end went to the plates' two-character pieces (GIN, migration 0010): for
``7_BC_2`` that is the posting list of ``BC`` alone, some 2,800 plates at ten million reads,
each then read from the table, which is most of a tolerant search's time when those pages are
not cached. A ``_`` stands for exactly one character, so such a pattern has a known start
from its second or third character: these indexes hold that start, with the plate INCLUDEd
so the range is read index-only, as the known start and end of migrations 0009 and 0018 are.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_plates_from2 ON plates (substr(plate, 2)) INCLUDE (plate)")
    op.execute("CREATE INDEX ix_plates_from3 ON plates (substr(plate, 3)) INCLUDE (plate)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_plates_from3")
    op.execute("DROP INDEX ix_plates_from2")
