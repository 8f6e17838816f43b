"""Hot lists, their entries and imports, alerts with their verification, and alert delivery.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:52:13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotlist_revisions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_hotlist_revisions_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotlist_revisions")),
    )
    op.create_table(
        "alert_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('webhook', 'email')", name=op.f("ck_alert_channels_kind")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_alert_channels_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_channels_name")),
    )
    op.create_table(
        "hotlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("all_agencies", sa.Boolean(), nullable=False),
        sa.Column("tolerant", sa.Boolean(), nullable=False),
        sa.Column("state_must_agree", sa.Boolean(), nullable=False),
        sa.Column("edge_sync", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("refresh_location", sa.Text(), nullable=True),
        sa.Column("refresh_every_minutes", sa.Integer(), nullable=True),
        sa.Column("stale_after_hours", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_error", sa.Text(), nullable=True),
        sa.Column("refresh_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "source IN ('ncic_extract', 'doj_extract', 'agency_list', 'person')",
            name=op.f("ck_hotlists_source"),
        ),
        sa.CheckConstraint(
            "refresh_every_minutes IS NULL OR refresh_every_minutes > 0",
            name=op.f("ck_hotlists_every"),
        ),
        sa.CheckConstraint(
            "stale_after_hours IS NULL OR stale_after_hours > 0", name=op.f("ck_hotlists_stale")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_hotlists_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotlists")),
        sa.UniqueConstraint("name", name=op.f("uq_hotlists_name")),
    )
    op.create_table(
        "alert_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_subscriptions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_subscriptions")),
    )
    op.create_table(
        "hotlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("is_pattern", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=True),
        sa.Column("ori", sa.String(length=16), nullable=True),
        sa.Column("ncic_number", sa.String(length=16), nullable=True),
        sa.Column("plate_type", sa.String(length=8), nullable=True),
        sa.Column("plate_year", sa.String(length=8), nullable=True),
        sa.Column("vehicle_year", sa.String(length=8), nullable=True),
        sa.Column("vehicle_make", sa.String(length=32), nullable=True),
        sa.Column("vehicle_model", sa.String(length=32), nullable=True),
        sa.Column("vehicle_style", sa.String(length=16), nullable=True),
        sa.Column("vehicle_color", sa.String(length=32), nullable=True),
        sa.Column("theft_date", sa.String(length=16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name=op.f("ck_hotlist_entries_priority")),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hotlists.id"], name=op.f("fk_hotlist_entries_list_id_hotlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotlist_entries")),
    )
    with op.batch_alter_table("hotlist_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hotlist_entries_list_id_plate", ["list_id", "plate"], unique=False
        )
        batch_op.create_index("ix_hotlist_entries_plate", ["plate"], unique=False)
        batch_op.create_index("ix_hotlist_entries_revision", ["revision"], unique=False)
    op.execute("INSERT INTO hotlist_revisions (id, revision) VALUES (1, 0)")

    op.create_table(
        "hotlist_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("immigration_refused", sa.Integer(), nullable=False),
        sa.Column("rejected_lines", sa.JSON(), nullable=False),
        sa.CheckConstraint("mode IN ('merge', 'replace')", name=op.f("ck_hotlist_imports_mode")),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hotlists.id"], name=op.f("fk_hotlist_imports_list_id_hotlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotlist_imports")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column(
            "plate",
            sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("match_kind", sa.String(length=16), nullable=False),
        sa.Column("matched_text", sa.String(length=16), nullable=False),
        sa.Column("via_alternative", sa.Boolean(), nullable=False),
        sa.Column("differing", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edge_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plate_check", sa.String(length=16), nullable=True),
        sa.Column("plate_checked_by", sa.String(length=64), nullable=True),
        sa.Column("plate_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plate_check_note", sa.Text(), nullable=True),
        sa.Column("clets_check", sa.String(length=16), nullable=True),
        sa.Column("clets_checked_by", sa.String(length=64), nullable=True),
        sa.Column("clets_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clets_reference", sa.String(length=64), nullable=True),
        sa.Column("clets_note", sa.Text(), nullable=True),
        sa.Column("disposition", sa.String(length=24), nullable=True),
        sa.Column("disposed_by", sa.String(length=64), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposition_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('unverified', 'plate_matched', 'verified', 'misread', 'not_confirmed', 'closed')",
            name=op.f("ck_alerts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_alerts_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["hotlist_entries.id"], name=op.f("fk_alerts_entry_id_hotlist_entries")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hotlists.id"], name=op.f("fk_alerts_list_id_hotlists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("read_id", "entry_id", name="uq_alerts_read_entry"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_camera_id_raised_at", ["camera_id", "raised_at"], unique=False
        )
        batch_op.create_index("ix_alerts_raised_at", ["raised_at"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'failing', 'delivered', 'gave_up')",
            name=op.f("ck_alert_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["alert_channels.id"],
            name=op.f("fk_alert_deliveries_channel_id_alert_channels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("alert_id", "channel_id", name="uq_alert_deliveries_alert_channel"),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_deliveries_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "alert_delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["alert_deliveries.id"],
            name=op.f("fk_alert_delivery_attempts_delivery_id_alert_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery_attempts")),
    )
    with op.batch_alter_table("alert_delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_delivery_attempts_delivery_id", ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_delivery_attempts_delivery_id")

    op.drop_table("alert_delivery_attempts")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_deliveries_status_next")

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_raised_at")
        batch_op.drop_index("ix_alerts_camera_id_raised_at")

    op.drop_table("alerts")
    op.drop_table("hotlist_imports")
    with op.batch_alter_table("hotlist_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_hotlist_entries_revision")
        batch_op.drop_index("ix_hotlist_entries_plate")
        batch_op.drop_index("ix_hotlist_entries_list_id_plate")

    op.drop_table("hotlist_entries")
    op.drop_table("alert_subscriptions")
    op.drop_table("hotlists")
    op.drop_table("alert_channels")
    op.drop_table("hotlist_revisions")
