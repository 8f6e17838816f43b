"""Hot lists, their entries, their imports, and the revision counter every change advances.

Entries are never deleted: one removed by an import or expired by hand keeps its row with
``removed_at`` set, so an alert raised against it still shows what it was, and so the server
processes and edge agents that copy the lists can learn of the removal by revision.

Every transaction that changes entries or a list's matching rules takes the next number from
``hotlist_revisions`` (one row, updated in place, so concurrent changes queue on its row lock
and commit in the order of their numbers) and stamps it on the rows it touched. A copy that
has applied everything up to revision R asks for the rows stamped after R and misses nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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

ENTRY_PLATE_CHARS = 20
SOURCES = ("ncic_extract", "doj_extract", "agency_list", "person")
SOURCES_SQL = ", ".join(f"'{s}'" for s in SOURCES)

hotlist_revisions = Table(
    "hotlist_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

hotlists = Table(
    "hotlists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("source", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("all_agencies", Boolean, nullable=False),
    Column("tolerant", Boolean, nullable=False),
    Column("state_must_agree", Boolean, nullable=False),
    Column("edge_sync", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("refresh_location", Text),
    Column("refresh_every_minutes", Integer),
    Column("stale_after_hours", Integer),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # When a file last replaced or merged into the list (an import or a refresh).
    Column("imported_at", UtcDateTime()),
    Column("refresh_checked_at", UtcDateTime()),
    Column("refresh_error", Text),
    Column("refresh_error_at", UtcDateTime()),
    Column("revision", Integer, nullable=False),
    CheckConstraint(f"source IN ({SOURCES_SQL})", name="source"),
    CheckConstraint("refresh_every_minutes IS NULL OR refresh_every_minutes > 0", name="every"),
    CheckConstraint("stale_after_hours IS NULL OR stale_after_hours > 0", name="stale"),
)

hotlist_entries = Table(
    "hotlist_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("hotlists.id"), nullable=False),
    Column("plate", String(ENTRY_PLATE_CHARS), nullable=False),
    Column("is_pattern", Boolean, nullable=False),
    Column("state", String(3)),
    Column("reason", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("case_number", String(64)),
    Column("ori", String(16)),
    Column("ncic_number", String(16)),
    Column("plate_type", String(8)),
    Column("plate_year", String(8)),
    Column("vehicle_year", String(8)),
    Column("vehicle_make", String(32)),
    Column("vehicle_model", String(32)),
    Column("vehicle_style", String(16)),
    Column("vehicle_color", String(32)),
    Column("theft_date", String(16)),
    Column("notes", Text),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("starts_at", UtcDateTime()),
    Column("expires_at", UtcDateTime()),
    Column("removed_at", UtcDateTime()),
    Column("removed_by", String(64)),
    Column("revision", Integer, nullable=False),
    CheckConstraint("priority BETWEEN 1 AND 5", name="priority"),
    Index("ix_hotlist_entries_list_id_plate", "list_id", "plate"),
    Index("ix_hotlist_entries_plate", "plate"),
    Index("ix_hotlist_entries_revision", "revision"),
)

ENTRY_FIELDS = (
    "plate", "state", "reason", "priority", "case_number", "ori", "ncic_number", "plate_type",
    "plate_year", "vehicle_year", "vehicle_make", "vehicle_model", "vehicle_style",
    "vehicle_color", "theft_date", "notes", "starts_at", "expires_at",
)  # fmt: skip
"""What an entry carries from its source; an import compares these to say what changed."""

hotlist_imports = Table(
    "hotlist_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("hotlists.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("file_format", String(16), nullable=False),
    Column("encoding", String(16), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("applied", Boolean, nullable=False),
    Column("message", Text),
    Column("lines", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("immigration_refused", Integer, nullable=False),
    # The first rejected lines, each {"line": N, "problem": "..."}.
    Column("rejected_lines", JSON, nullable=False),
    CheckConstraint("mode IN ('merge', 'replace')", name="mode"),
)
