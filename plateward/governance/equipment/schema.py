"""The equipment tables: equipped vehicles and maintenance tickets with their history.

A vehicle camera names its car by unit number (``cameras.vehicle_id``); ``vehicles`` is the
registry of those cars. A ticket concerns a camera, a vehicle's ALPR equipment, or both. The
CHECK constraints repeat the ticket rules (``rules.py``) where the database can see them, so
no code path can mark a repair started without an authorization on the row (policy E.1).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from plateward.store.schema import UtcDateTime, metadata

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("unit_number", String(64), nullable=False, unique=True),
    Column("description", String(200), nullable=False),
    Column("in_service", Boolean, nullable=False),
    Column("notes", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
"""A vehicle out of service (in the shop, retired) raises no camera health notices."""

maintenance_tickets = Table(
    "maintenance_tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("camera_id", Integer, ForeignKey("cameras.id")),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id")),
    Column("problem", Text, nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("kind", String(16)),
    Column("status", String(16), nullable=False),
    Column("assessed_by", String(64)),
    Column("assessed_at", UtcDateTime()),
    Column("authorized_by", String(64)),
    Column("authorized_at", UtcDateTime()),
    Column("authorization_note", Text),
    Column("performed_by", String(200)),
    Column("started_at", UtcDateTime()),
    Column("completed_at", UtcDateTime()),
    Column("work_done", Text),
    Column("cancelled_reason", Text),
    CheckConstraint("camera_id IS NOT NULL OR vehicle_id IS NOT NULL", name="equipment"),
    CheckConstraint("kind IS NULL OR kind IN ('routine', 'repair')", name="kind"),
    CheckConstraint(
        "status IN ('open', 'authorized', 'started', 'done', 'cancelled')", name="status"
    ),
    # Policy E.1: a repair beyond routine maintenance is authorized before it starts.
    CheckConstraint(
        "kind IS NULL OR kind = 'routine' OR status IN ('open', 'cancelled')"
        " OR authorized_at IS NOT NULL",
        name="repair_authorized",
    ),
    CheckConstraint(
        "status <> 'authorized' OR (kind = 'repair' AND authorized_by IS NOT NULL)",
        name="authorized_repair",
    ),
    CheckConstraint(
        "status NOT IN ('started', 'done')"
        " OR (kind IS NOT NULL AND started_at IS NOT NULL AND performed_by IS NOT NULL)",
        name="started",
    ),
    CheckConstraint(
        "status <> 'done' OR (completed_at IS NOT NULL AND work_done IS NOT NULL)", name="done"
    ),
    CheckConstraint("completed_at IS NULL OR completed_at >= started_at", name="work_order"),
    Index("ix_maintenance_tickets_status", "status"),
    Index("ix_maintenance_tickets_camera_id", "camera_id"),
)

maintenance_events = Table(
    "maintenance_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("maintenance_tickets.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    CheckConstraint(
        "kind IN ('reported', 'assessed', 'authorized', 'started', 'done', 'cancelled', 'note')",
        name="kind",
    ),
    Index("ix_maintenance_events_ticket_id", "ticket_id"),
)
"""A ticket's history, oldest first: who recorded each step and when. Rows are never changed."""
