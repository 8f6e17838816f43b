"""Result sets keep their reads packed (web/result_entries.py) instead of as a JSON list.

Result sets live only as long as the browser session that ran the search, so the table is
made anew rather than converted: anyone signed in during the upgrade runs their search again
(the pages say so for a result set that is gone).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _create(entries: sa.types.TypeEngine[Any]) -> None:
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
        sa.Column("entries", entries, nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_result_sets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_sets")),
    )
    op.create_index("ix_result_sets_session_id", "result_sets", ["session_id"], unique=False)


def _drop() -> None:
    op.drop_index("ix_result_sets_session_id", table_name="result_sets")
    op.drop_table("result_sets")


def upgrade() -> None:
    _drop()
    _create(sa.LargeBinary())


def downgrade() -> None:
    _drop()
    _create(sa.JSON())
