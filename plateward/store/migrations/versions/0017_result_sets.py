"""Search results kept for the browser session that ran the search (web/result_schema.py).

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "result_sets",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_result_sets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_sets")),
    )
    op.create_index("ix_result_sets_session_id", "result_sets", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_result_sets_session_id", table_name="result_sets")
    op.drop_table("result_sets")
