"""SQLite: a plate's two-character pieces in an FTS5 index, not in a b-tree table.

``plate_bigrams`` (bigram, plate) took each new plate's six or seven pieces at random places
in one b-tree, so a 500-read batch of new plates dirtied a page per piece: about 3,000 pages
written to the log at every commit, a number that grows with the table. At 300,000 plates,
indexing a batch's plates took 80 ms (26 of them committing); FTS5 buffers a transaction's
entries and writes them as one new segment, merged with older ones now and then: 18 ms (4
committing), and flat as the index grows (measured with 600 batches of 500 new plates).
A partial search asks FTS5 for the plates holding every known piece and checks each with
LIKE, as before; at 300,000 plates that took 2.9 ms against 0.6.

The index keeps positions out (detail=none): a search only needs which plates hold a piece.

PostgreSQL has its GIN index (migration 0010) and is untouched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Written out, not imported: the pieces must stay what they were when this migration ran.
PIECES = " || ' ' || ".join(
    f"CASE WHEN length(plate) > {k} THEN substr(plate, {k}, 2) ELSE '' END" for k in range(1, 10)
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE plate_pieces USING fts5("
        "plate UNINDEXED, pieces, tokenize = 'ascii', detail = 'none')"
    )
    op.execute(f"INSERT INTO plate_pieces (plate, pieces) SELECT plate, {PIECES} FROM plates")
    op.execute("DROP TABLE plate_bigrams")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE plate_bigrams (bigram VARCHAR(2) NOT NULL, plate VARCHAR(10) NOT NULL,"
        " CONSTRAINT pk_plate_bigrams PRIMARY KEY (bigram, plate)) WITHOUT ROWID"
    )
    for start in range(1, 10):
        op.execute(
            "INSERT INTO plate_bigrams (bigram, plate)"
            f" SELECT substr(plate, {start}, 2), plate FROM plates"
            f" WHERE length(plate) >= {start + 1} ON CONFLICT DO NOTHING"
        )
    op.execute("DROP TABLE plate_pieces")
