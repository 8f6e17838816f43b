"""Reads store: agencies, cameras, images and reads.

On PostgreSQL, reads are partitioned by month of capture (``store/partitions.py`` adds each
month as reads for it arrive), located by a PostGIS geography column with a GiST index for
grid searches, and indexed by trigrams for partial plate searches.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 02:09:46.816182
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "images",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_images")),
    )
    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("public_areas_only", sa.Boolean(), nullable=False),
        sa.Column("court_order", sa.Text(), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind = 'fixed' OR vehicle_id IS NOT NULL", name=op.f("ck_cameras_vehicle_has_id")
        ),
        sa.CheckConstraint("kind IN ('fixed', 'vehicle')", name=op.f("ck_cameras_kind")),
        sa.CheckConstraint(
            "public_areas_only OR court_order IS NOT NULL", name=op.f("ck_cameras_court_order")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_cameras_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("code", name=op.f("uq_cameras_code")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_cameras_key_hash")),
    )
    op.create_table(
        "reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("raw_text", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("region_confidence", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("plate_image", sa.String(length=64), nullable=True),
        sa.Column("context_image", sa.String(length=64), nullable=True),
        sa.CheckConstraint("confidence BETWEEN 0 AND 1", name=op.f("ck_reads_confidence")),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_reads_latitude")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_reads_longitude")),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_reads_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["context_image"], ["images.sha256"], name=op.f("fk_reads_context_image_images")
        ),
        sa.ForeignKeyConstraint(
            ["plate_image"], ["images.sha256"], name=op.f("fk_reads_plate_image_images")
        ),
        sa.PrimaryKeyConstraint("id", "captured_at", name=op.f("pk_reads")),
        postgresql_partition_by="RANGE (captured_at)",
    )
    with op.batch_alter_table("reads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reads_camera_id_captured_at", ["camera_id", "captured_at"], unique=False
        )
        batch_op.create_index("ix_reads_captured_at", ["captured_at"], unique=False)
        batch_op.create_index(
            "ix_reads_latitude_longitude", ["latitude", "longitude"], unique=False
        )
        batch_op.create_index("ix_reads_plate_captured_at", ["plate", "captured_at"], unique=False)
    if postgres:
        op.execute(
            "ALTER TABLE reads ADD COLUMN location geography(Point, 4326) GENERATED ALWAYS AS"
            " (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED"
        )
        op.execute("CREATE INDEX ix_reads_location ON reads USING gist (location)")
        op.execute("CREATE INDEX ix_reads_plate_trgm ON reads USING gin (plate gin_trgm_ops)")


def downgrade() -> None:
    with op.batch_alter_table("reads", schema=None) as batch_op:
        batch_op.drop_index("ix_reads_plate_captured_at")
        batch_op.drop_index("ix_reads_latitude_longitude")
        batch_op.drop_index("ix_reads_captured_at")
        batch_op.drop_index("ix_reads_camera_id_captured_at")

    op.drop_table("reads")
    op.drop_table("cameras")
    op.drop_table("images")
    op.drop_table("agencies")
