"""PostgreSQL: plates compared byte by byte, and two read indexes no search uses any more.

* Plate columns get the "C" collation. Plates are A-Z and 0-9 only, so byte order is their
  order; a language collation (the cluster's default, often en_US.UTF-8 or C.UTF-8) made every
  comparison in the plate indexes go through strcoll, which doubled the cost of indexing a
  batch's new plates (bench/ingest.py). All plate columns change together, because PostgreSQL
  refuses to compare two columns of different implicit collations. Only the collation
  changes, so no table is rewritten; the indexes on these columns are rebuilt.
* ``ix_reads_plate_trgm`` (a trigram index on every read's plate) has had no user since
  partial searches went through the plate index (migration 0002), and ``ix_reads_location``
  (GiST on the PostGIS point) none since grid searches went through the grid-cell index
  (migration 0008): the exact distance test still uses ``location``, on the rows the cell
  index found. Together they were a third of the time to insert a batch of reads.

SQLite is untouched: its default collation already compares bytes, and it never had either
index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Written out, not imported: the columns must stay what they were when this migration ran.
PLATE_COLUMNS = (("reads", "plate", 10), ("plates", "plate", 10), ("plate_bigrams", "plate", 10),
                 ("plate_bigrams", "bigram", 2))  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_reads_plate_trgm")
    op.execute("DROP INDEX ix_reads_location")
    _collate('"C"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _collate("pg_catalog.default")
    op.execute("CREATE INDEX ix_reads_location ON reads USING gist (location)")
    op.execute("CREATE INDEX ix_reads_plate_trgm ON reads USING gin (plate gin_trgm_ops)")


def _collate(collation: str) -> None:
    tables: dict[str, list[str]] = {}
    for table, column, length in PLATE_COLUMNS:
        tables.setdefault(table, []).append(
            f"ALTER COLUMN {column} TYPE varchar({length}) COLLATE {collation}"
        )
    for table, changes in tables.items():
        op.execute(f"ALTER TABLE {table} {', '.join(changes)}")
