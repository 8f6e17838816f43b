"""SQLite: the plate index tables become WITHOUT ROWID tables.

A rowid table with a text primary key is two b-trees, the rows and the key's index, and
every plate and piece that ingest adds was written to both. Keyed by the primary key alone,
each is one b-tree: the index's share of an ingest batch fell by about half
(bench/ingest.py). PostgreSQL has no such distinction and is left as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = {
    "plates": "plate VARCHAR(10) NOT NULL, CONSTRAINT pk_plates PRIMARY KEY (plate)",
    "plate_bigrams": (
        "bigram VARCHAR(2) NOT NULL, plate VARCHAR(10) NOT NULL,"
        " CONSTRAINT pk_plate_bigrams PRIMARY KEY (bigram, plate)"
    ),
}


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in TABLES.items():
        op.execute(f"CREATE TABLE {table}_rebuilt ({columns}){options}")
        op.execute(f"INSERT INTO {table}_rebuilt SELECT * FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
