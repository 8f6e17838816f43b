"""The breach tables: each incident as the response team knows it, its history and its files.

An incident holds two time ranges: when the breach happened (``occurred_*``, for the notice)
and the capture times of the data it exposed (``data_*``, for finding in the access log who
looked at that data). ``camera_codes`` narrows the data to some cameras; empty means all.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from plateward.store.schema import SHA256_HEX_CHARS, UtcDateTime, metadata

breach_incidents = Table(
    "breach_incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("discovered_at", UtcDateTime(), nullable=False),
    Column("discovered_by", String(200), nullable=False),
    Column("occurred_from", UtcDateTime()),
    Column("occurred_to", UtcDateTime()),
    Column("what_happened", Text, nullable=False),
    Column("systems_involved", Text, nullable=False),
    Column("data_kinds", JSON, nullable=False),
    Column("data_involved", Text),
    Column("data_from", UtcDateTime(), nullable=False),
    Column("data_to", UtcDateTime()),
    Column("camera_codes", JSON, nullable=False),
    Column("people_affected", Integer),
    Column("containment", Text),
    Column("law_enforcement_delay", Text),
    Column("what_you_can_do", Text),
    Column("contact", Text),
    Column("notice_sent_on", Date),
    Column("attorney_general_notified_on", Date),
    Column("status", String(16), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_by", String(64)),
    Column("closed_at", UtcDateTime()),
    Column("closing_summary", Text),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    CheckConstraint(
        "occurred_from IS NULL OR occurred_to IS NULL OR occurred_to >= occurred_from",
        name="occurred_order",
    ),
    CheckConstraint("data_to IS NULL OR data_to > data_from", name="data_order"),
    CheckConstraint("people_affected IS NULL OR people_affected >= 0", name="people_affected"),
    CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed"),
)

breach_events = Table(
    "breach_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("breach_incidents.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    CheckConstraint(
        "kind IN ('recorded', 'edited', 'note', 'file', 'notice', 'closed')", name="kind"
    ),
    Index("ix_breach_events_incident_id", "incident_id"),
)
"""The incident's history, oldest first; an edit lists the fields it changed. Never changed."""

breach_files = Table(
    "breach_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("breach_incidents.id"), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("sha256", String(SHA256_HEX_CHARS), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Index("ix_breach_files_incident_id", "incident_id"),
)
