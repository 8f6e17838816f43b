"""Semi-annual audits (policy H): the sampled access log entries and the auditors' verdicts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:10:20.406382
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("through_entry_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sample_size > 0", name=op.f("ck_audits_sample_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
    )
    op.create_index("ix_audits_period", "audits", ["period"], unique=False)
    op.create_table(
        "audit_items",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("access_log_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "verdict IS NULL OR verdict IN ('compliant', 'not_compliant', 'follow_up')",
            name=op.f("ck_audit_items_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["access_log_id"],
            ["access_log.id"],
            name=op.f("fk_audit_items_access_log_id_access_log"),
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_items_audit_id_audits")
        ),
        sa.PrimaryKeyConstraint("audit_id", "access_log_id", name=op.f("pk_audit_items")),
    )


def downgrade() -> None:
    op.drop_table("audit_items")
    op.drop_index("ix_audits_period", table_name="audits")
    op.drop_table("audits")
