"""Grid searches by (cell, captured_at) instead of by latitude and longitude.

Replaces the latitude/longitude index, which fetched every read ever made near a place to
find the few of a two-hour window, with an expression index on a hundredth-of-a-degree cell
and the capture time (store/grid_cells.py says why). One index replaces another, so ingest
does no more work than before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Written out, not imported: the index must stay what it was when this migration ran.
CELL_SQL = {
    "sqlite": "CAST(latitude * 100 AS INTEGER) * 100000 + CAST(longitude * 100 AS INTEGER)",
    "postgresql": (
        "CAST(trunc(latitude * 100) AS integer) * 100000 + CAST(trunc(longitude * 100) AS integer)"
    ),
}


def upgrade() -> None:
    cell = CELL_SQL[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX ix_reads_cell_captured_at ON reads (({cell}), captured_at)")
    op.execute("DROP INDEX ix_reads_latitude_longitude")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_reads_latitude_longitude ON reads (latitude, longitude)")
    op.execute("DROP INDEX ix_reads_cell_captured_at")
