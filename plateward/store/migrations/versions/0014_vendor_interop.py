"""Reads from other vendors' systems: vehicle attributes, source maps, heartbeats, old audits.

- ``reads`` gains the vehicle's make, model, colour, body type and direction of travel, as
  the vendor's recognizer reported them (normalised by ``plateward/vehicle.py``). They are
  nullable and unindexed: a search narrows by them only alongside a plate, place or time that
  an index already serves, so ingest pays no index upkeep for them.
- ``cameras.timezone``: the zone of a camera whose software writes times without an offset
  (Plate Recognizer's on-premise SDK), for the vendor endpoints.
- ``camera_sources``: which Plateward camera a vendor's camera or agent identifier is, and
  whose key may deliver it (one Rekor agent or Verkada organisation posts for many cameras).
- ``camera_heartbeats``: the last heartbeat an agent sent for each camera (camera health).
- ``imported_access_log``: the search-audit history of a previous system, kept apart from
  the hash-chained ``access_log`` and marked as imported.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

VEHICLE_COLUMNS = (
    ("vehicle_make", 32),
    ("vehicle_model", 48),
    ("vehicle_color", 16),
    ("vehicle_body_type", 16),
    ("vehicle_direction", 16),
)


def upgrade() -> None:
    # On PostgreSQL, a column added to the partitioned table reaches every partition; nullable
    # without a default, it rewrites no existing row on either back-end.
    for name, length in VEHICLE_COLUMNS:
        op.add_column("reads", sa.Column(name, sa.String(length), nullable=True))
    op.add_column("cameras", sa.Column("timezone", sa.String(64), nullable=True))
    op.create_table(
        "camera_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("via_camera_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["via_camera_id"], ["cameras.id"], name=op.f("fk_camera_sources_via_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_camera_sources_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_sources")),
        sa.UniqueConstraint(
            "via_camera_id", "system", "source", name=op.f("uq_camera_sources_via_camera_id")
        ),
    )
    op.create_table(
        "camera_heartbeats",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("streaming", sa.Boolean(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_camera_heartbeats_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("camera_id", "system", "source", name=op.f("pk_camera_heartbeats")),
    )
    op.create_table(
        "imported_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("entry_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(32), nullable=True),
        sa.Column("case_number", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_access_log")),
        sa.UniqueConstraint("system", "entry_key", name=op.f("uq_imported_access_log_system")),
    )
    op.create_index("ix_imported_access_log_at", "imported_access_log", ["at"], unique=False)
    op.create_index("ix_imported_access_log_plate", "imported_access_log", ["plate"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_imported_access_log_plate", table_name="imported_access_log")
    op.drop_index("ix_imported_access_log_at", table_name="imported_access_log")
    op.drop_table("imported_access_log")
    op.drop_table("camera_heartbeats")
    op.drop_table("camera_sources")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("timezone")
    for name, _length in reversed(VEHICLE_COLUMNS):
        with op.batch_alter_table("reads") as batch:
            batch.drop_column(name)
