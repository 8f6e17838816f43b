"""Governance (policy C, D.2, D.3, E, Attachment 2): records requests, breach incidents,
equipped vehicles and maintenance tickets, camera heartbeats and health notices.

Only new tables: the cameras table is left as it is (a vehicle camera already names its car's
unit number), so the migration is quick on a database of any size.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:59:42.882821
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_contact", sa.Text(), nullable=False),
        sa.Column("reply_by", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", sa.String(length=64), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_due_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extended_by", sa.String(length=64), nullable=True),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("response_summary", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_on IS NOT NULL AND outcome IS NOT NULL)",
            name=op.f("ck_records_requests_closed"),
        ),
        sa.CheckConstraint(
            "channel IN ('web', 'counter', 'mail', 'email', 'phone', 'other')",
            name=op.f("ck_records_requests_channel"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('released', 'partly_released', 'withheld', 'no_records', 'withdrawn')",
            name=op.f("ck_records_requests_outcome"),
        ),
        sa.CheckConstraint(
            "reply_by IN ('email', 'mail', 'pickup', 'phone')",
            name=op.f("ck_records_requests_reply_by"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'closed')", name=op.f("ck_records_requests_status")
        ),
        sa.CheckConstraint(
            "(extended_due_on IS NULL) = (extension_reason IS NULL)",
            name=op.f("ck_records_requests_extension_has_reason"),
        ),
        sa.CheckConstraint(
            "due_on > received_on", name=op.f("ck_records_requests_due_after_receipt")
        ),
        sa.CheckConstraint(
            "extended_due_on IS NULL OR extended_due_on > due_on",
            name=op.f("ck_records_requests_extension_later"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_requests")),
    )
    op.create_index("ix_records_requests_status", "records_requests", ["status"], unique=False)

    op.create_table(
        "breach_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discovered_by", sa.String(length=200), nullable=False),
        sa.Column("occurred_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("occurred_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("systems_involved", sa.Text(), nullable=False),
        sa.Column("data_kinds", sa.JSON(), nullable=False),
        sa.Column("data_involved", sa.Text(), nullable=True),
        sa.Column("data_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("camera_codes", sa.JSON(), nullable=False),
        sa.Column("people_affected", sa.Integer(), nullable=True),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("law_enforcement_delay", sa.Text(), nullable=True),
        sa.Column("what_you_can_do", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("notice_sent_on", sa.Date(), nullable=True),
        sa.Column("attorney_general_notified_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_summary", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_breach_incidents_closed")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_breach_incidents_status")),
        sa.CheckConstraint(
            "data_to IS NULL OR data_to > data_from", name=op.f("ck_breach_incidents_data_order")
        ),
        sa.CheckConstraint(
            "occurred_from IS NULL OR occurred_to IS NULL OR occurred_to >= occurred_from",
            name=op.f("ck_breach_incidents_occurred_order"),
        ),
        sa.CheckConstraint(
            "people_affected IS NULL OR people_affected >= 0",
            name=op.f("ck_breach_incidents_people_affected"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_breach_incidents_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_incidents")),
    )
    op.create_table(
        "records_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('received', 'assigned', 'note', 'extended', 'file', 'closed')",
            name=op.f("ck_records_request_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_records_request_events_request_id_records_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_request_events")),
    )
    op.create_index(
        "ix_records_request_events_request_id",
        "records_request_events",
        ["request_id"],
        unique=False,
    )

    op.create_table(
        "records_request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "part IN ('request', 'response')", name=op.f("ck_records_request_files_part")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_records_request_files_request_id_records_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_request_files")),
    )
    op.create_index(
        "ix_records_request_files_request_id", "records_request_files", ["request_id"], unique=False
    )

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("unit_number", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_vehicles_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("unit_number", name=op.f("uq_vehicles_unit_number")),
    )
    op.create_table(
        "breach_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('recorded', 'edited', 'note', 'file', 'notice', 'closed')",
            name=op.f("ck_breach_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["breach_incidents.id"],
            name=op.f("fk_breach_events_incident_id_breach_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_events")),
    )
    op.create_index("ix_breach_events_incident_id", "breach_events", ["incident_id"], unique=False)

    op.create_table(
        "breach_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["breach_incidents.id"],
            name=op.f("fk_breach_files_incident_id_breach_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_files")),
    )
    op.create_index("ix_breach_files_incident_id", "breach_files", ["incident_id"], unique=False)

    op.create_table(
        "edge_heartbeats",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_reads", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_edge_heartbeats_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_edge_heartbeats")),
    )
    op.create_table(
        "camera_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('silent', 'low_rate')", name=op.f("ck_camera_notices_kind")),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_camera_notices_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_notices")),
    )
    op.create_index(
        "ix_camera_notices_open",
        "camera_notices",
        ["camera_id", "kind"],
        unique=True,
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )

    op.create_table(
        "maintenance_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assessed_by", sa.String(length=64), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorized_by", sa.String(length=64), nullable=True),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorization_note", sa.Text(), nullable=True),
        sa.Column("performed_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("work_done", sa.Text(), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IS NULL OR kind = 'routine' OR status IN ('open', 'cancelled') OR authorized_at IS NOT NULL",
            name=op.f("ck_maintenance_tickets_repair_authorized"),
        ),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('routine', 'repair')",
            name=op.f("ck_maintenance_tickets_kind"),
        ),
        sa.CheckConstraint(
            "status <> 'authorized' OR (kind = 'repair' AND authorized_by IS NOT NULL)",
            name=op.f("ck_maintenance_tickets_authorized_repair"),
        ),
        sa.CheckConstraint(
            "status <> 'done' OR (completed_at IS NOT NULL AND work_done IS NOT NULL)",
            name=op.f("ck_maintenance_tickets_done"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'authorized', 'started', 'done', 'cancelled')",
            name=op.f("ck_maintenance_tickets_status"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('started', 'done') OR (kind IS NOT NULL AND started_at IS NOT NULL AND performed_by IS NOT NULL)",
            name=op.f("ck_maintenance_tickets_started"),
        ),
        sa.CheckConstraint(
            "camera_id IS NOT NULL OR vehicle_id IS NOT NULL",
            name=op.f("ck_maintenance_tickets_equipment"),
        ),
        sa.CheckConstraint(
            "completed_at IS NULL OR completed_at >= started_at",
            name=op.f("ck_maintenance_tickets_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_maintenance_tickets_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_maintenance_tickets_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_tickets")),
    )
    op.create_index(
        "ix_maintenance_tickets_camera_id", "maintenance_tickets", ["camera_id"], unique=False
    )
    op.create_index(
        "ix_maintenance_tickets_status", "maintenance_tickets", ["status"], unique=False
    )

    op.create_table(
        "maintenance_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('reported', 'assessed', 'authorized', 'started', 'done', 'cancelled', 'note')",
            name=op.f("ck_maintenance_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["maintenance_tickets.id"],
            name=op.f("fk_maintenance_events_ticket_id_maintenance_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_events")),
    )
    op.create_index(
        "ix_maintenance_events_ticket_id", "maintenance_events", ["ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("maintenance_events")
    op.drop_table("maintenance_tickets")
    op.drop_table("camera_notices")
    op.drop_table("edge_heartbeats")
    op.drop_table("breach_files")
    op.drop_table("breach_events")
    op.drop_table("vehicles")
    op.drop_table("records_request_files")
    op.drop_table("records_request_events")
    op.drop_table("breach_incidents")
    op.drop_table("records_requests")
