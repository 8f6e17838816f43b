"""Plate index: distinct plates and their two-character pieces, for partial searches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:43:48.573237
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PLATE_MAX_CHARS = 10


def upgrade() -> None:
    op.create_table(
        "plate_bigrams",
        sa.Column("bigram", sa.String(length=2), nullable=False),
        sa.Column("plate", sa.String(length=PLATE_MAX_CHARS), nullable=False),
        sa.PrimaryKeyConstraint("bigram", "plate", name=op.f("pk_plate_bigrams")),
    )
    op.create_table(
        "plates",
        sa.Column("plate", sa.String(length=PLATE_MAX_CHARS), nullable=False),
        sa.PrimaryKeyConstraint("plate", name=op.f("pk_plates")),
    )
    # Index the reads stored before this migration (written out here, not imported, so the
    # migration keeps meaning what it meant when later code changes).
    op.execute("INSERT INTO plates (plate) SELECT DISTINCT plate FROM reads")
    for start in range(1, PLATE_MAX_CHARS):
        op.execute(
            "INSERT INTO plate_bigrams (bigram, plate)"
            f" SELECT DISTINCT substr(plate, {start}, 2), plate FROM plates"
            f" WHERE length(plate) >= {start + 1}"
            " ON CONFLICT DO NOTHING"
        )


def downgrade() -> None:
    op.drop_table("plates")
    op.drop_table("plate_bigrams")
