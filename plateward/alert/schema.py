"""Alerts, their verification (policy A.7), where they are sent, and every delivery attempt.

An alert keeps the entry as it was when the read matched (``entry``, JSON), so a later edit
or removal of the entry never changes what the deputy was told. It names its read by id and
capture time rather than by a foreign key: reads are partitioned by month on PostgreSQL and
will be destroyed by retention while the alert's record of what happened is kept.

Deliveries are an outbox: the rows are written in the transaction that raises the alert, and a
worker sends them, so an alert raised is an alert queued for every channel, even if the server
stops a moment later or the channel is down for a day.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from plateward.store.schema import UtcDateTime, metadata, plate_type

STATUSES = ("unverified", "plate_matched", "verified", "misread", "not_confirmed", "closed")
STATUSES_SQL = ", ".join(f"'{s}'" for s in STATUSES)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("read_id", Uuid, nullable=False),
    Column("captured_at", UtcDateTime(), nullable=False),
    Column("camera_id", Integer, ForeignKey("cameras.id"), nullable=False),
    Column("plate", plate_type(), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("entry_id", Integer, ForeignKey("hotlist_entries.id"), nullable=False),
    Column("list_id", Integer, ForeignKey("hotlists.id"), nullable=False),
    Column("entry", JSON, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("match_kind", String(16), nullable=False),
    Column("matched_text", String(16), nullable=False),
    Column("via_alternative", Boolean, nullable=False),
    Column("differing", JSON, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("edge_raised_at", UtcDateTime()),
    Column("status", String(16), nullable=False),
    Column("plate_check", String(16)),
    Column("plate_checked_by", String(64)),
    Column("plate_checked_at", UtcDateTime()),
    Column("plate_check_note", Text),
    Column("clets_check", String(16)),
    Column("clets_checked_by", String(64)),
    Column("clets_checked_at", UtcDateTime()),
    Column("clets_reference", String(64)),
    Column("clets_note", Text),
    Column("disposition", String(24)),
    Column("disposed_by", String(64)),
    Column("disposed_at", UtcDateTime()),
    Column("disposition_note", Text),
    UniqueConstraint("read_id", "entry_id", name="uq_alerts_read_entry"),
    CheckConstraint(f"status IN ({STATUSES_SQL})", name="status"),
    Index("ix_alerts_raised_at", "raised_at"),
    Index("ix_alerts_camera_id_raised_at", "camera_id", "raised_at"),
    Index("ix_alerts_captured_at", "captured_at"),  # retention (migration 0015)
)

alert_channels = Table(
    "alert_channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("target", Text, nullable=False),
    Column("secret", String(128)),
    Column("filters", JSON, nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("kind IN ('webhook', 'email')", name="kind"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("channel_id", Integer, ForeignKey("alert_channels.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime()),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("status IN ('pending', 'failing', 'delivered', 'gave_up')", name="status"),
    Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
    UniqueConstraint("alert_id", "channel_id", name="uq_alert_deliveries_alert_channel"),
)

alert_delivery_attempts = Table(
    "alert_delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("alert_deliveries.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False),
    Index("ix_alert_delivery_attempts_delivery_id", "delivery_id"),
)

alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("filters", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
