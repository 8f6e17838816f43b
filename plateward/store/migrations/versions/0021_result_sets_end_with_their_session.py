"""Result sets end with their session: a foreign key to sessions, ON DELETE CASCADE.

Every search run from a page used to sweep the result sets of ended sessions first (a DELETE
... WHERE session_id NOT IN sessions): a scan of the whole table on every search, and now and
then the deletion of hundreds of 40 KB rows inside someone's search (44 ms at 2,235 sets).
With the key the database deletes a session's result sets when the session itself is deleted:
at sign-out, at a sign-in that purges expired sessions, or when an account's sessions end.

Result sets live only as long as a browser session, so the table is made anew, as in 0019:
anyone signed in during the upgrade runs their search again.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _create(*, cascade: bool) -> None:
    keys = [sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_result_sets_user_id_users")]
    if cascade:
        keys.append(
            sa.ForeignKeyConstraint(
                ["session_id"],
                ["sessions.id"],
                name="fk_result_sets_session_id_sessions",
                ondelete="CASCADE",
            )
        )
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
        sa.Column("entries", sa.LargeBinary(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *keys,
        sa.PrimaryKeyConstraint("id", name="pk_result_sets"),
    )
    op.create_index("ix_result_sets_session_id", "result_sets", ["session_id"], unique=False)


def _drop() -> None:
    op.drop_index("ix_result_sets_session_id", table_name="result_sets")
    op.drop_table("result_sets")


def upgrade() -> None:
    _drop()
    _create(cascade=True)


def downgrade() -> None:
    _drop()
    _create(cascade=False)
