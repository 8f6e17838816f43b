"""PostgreSQL: a plate's two-character pieces in a GIN index on ``plates``, not in a table.

``plate_bigrams`` held one b-tree row per piece, about six per new plate, each inserted at a
random place in the tree: with every plate of a 500-read batch new, that was 46 of the
~90 ms PostgreSQL spent per batch (bench/ingest.py, server CPU split). A GIN index over an
expression that cuts the plate into its pieces holds the same keys, but new entries go to its
pending list and are merged in sorted runs: 500 new plates took 17 ms instead of 56
(mean over 400 batches, pending-list merges included). A partial search asks the index for
the plates holding every piece it knows (``@>``) and checks each candidate with LIKE, as
before. Parallel scans of ``plates`` are turned off: starting workers took 45 ms of a 50 ms
search at 2.5 million plates, where the scan itself takes 3.

SQLite has no GIN index and is untouched here; migration 0011 moves its pieces to FTS5.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out, not imported: the function must stay what it was when this migration ran.
# Each piece is an expression rather than a subquery over positions, so PostgreSQL inlines
# the function into the index and into queries.
_PIECES = ", ".join(
    f"CASE WHEN length(plate) > {k} THEN substr(plate, {k}, 2) END" for k in range(1, 10)
)
PLATE_PIECES = (
    "CREATE FUNCTION plate_pieces(plate text) RETURNS text[]"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    f" RETURN array_remove(ARRAY[{_PIECES}], NULL)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PLATE_PIECES)
    op.execute("CREATE INDEX ix_plates_pieces ON plates USING gin (plate_pieces(plate))")
    op.execute("ALTER TABLE plates SET (parallel_workers = 0)")
    op.execute("DROP TABLE plate_bigrams")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        'CREATE TABLE plate_bigrams (bigram varchar(2) COLLATE "C" NOT NULL,'
        ' plate varchar(10) COLLATE "C" NOT NULL,'
        " CONSTRAINT pk_plate_bigrams PRIMARY KEY (bigram, plate))"
    )
    op.execute(
        "INSERT INTO plate_bigrams (bigram, plate)"
        " SELECT DISTINCT piece, plate FROM plates, unnest(plate_pieces(plate)) AS piece"
    )
    op.execute("ALTER TABLE plates RESET (parallel_workers)")
    op.execute("DROP INDEX ix_plates_pieces")
    op.execute("DROP FUNCTION plate_pieces(text)")
