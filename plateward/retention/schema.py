"""Legal holds, retention runs and their destruction records, and the work a run leaves queued.

``legal_holds`` keep reads past their period: the reads named in ``legal_hold_reads`` (one read,
or a case's exported evidence), or every read of a plate in a capture window. A hold names its
case, who placed it and when, and lasts until ``expires_at`` or until released.

``retention_runs`` and ``destruction_records`` are what survives the data: for each run, who or
what ran it, and per class of data how much went and the oldest and newest capture time
removed. They are never deleted.

The three queue tables carry a run's work across transactions, so that a run killed at any
point leaves nothing half-done that the next run cannot finish: image digests whose reads are
gone (``retention_image_candidates``), image files whose rows are gone
(``retention_image_files``), and plates whose reads may all be gone
(``retention_plate_candidates``). See ``retention/images.py`` for the order of operations.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from plateward.store.schema import SHA256_HEX_CHARS, UtcDateTime, metadata, plate_type

HOLD_KINDS = ("reads", "plate")
DATA_CLASSES = ("reads", "hit_reads", "images", "alerts", "access_log", "audit_records")

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("reason", Text),
    Column("plate", plate_type()),
    Column("captured_from", UtcDateTime()),
    Column("captured_until", UtcDateTime()),
    Column("expires_at", UtcDateTime()),
    Column("placed_by", String(64), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("released_by", String(64)),
    Column("released_at", UtcDateTime()),
    Column("release_reason", Text),
    CheckConstraint("kind IN ('reads', 'plate')", name="kind"),
    CheckConstraint(
        "kind <> 'plate' OR (plate IS NOT NULL AND captured_from IS NOT NULL"
        " AND captured_until IS NOT NULL AND captured_from < captured_until)",
        name="plate_range",
    ),
    Index("ix_legal_holds_plate", "plate"),
    Index("ix_legal_holds_case_number", "case_number"),
)

legal_hold_reads = Table(
    "legal_hold_reads",
    metadata,
    Column("hold_id", Integer, ForeignKey("legal_holds.id"), primary_key=True),
    Column("read_id", Uuid, primary_key=True),
    Column("captured_at", UtcDateTime(), nullable=False),
    Index("ix_legal_hold_reads_read_id", "read_id"),
)
"""The reads a ``reads`` hold names (no foreign key: reads are partitioned by month)."""

retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("ran_by", String(64), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("error", Text),
    CheckConstraint("status IN ('running', 'finished', 'failed', 'interrupted')", name="status"),
    CheckConstraint("trigger IN ('command', 'schedule', 'page', 'api')", name="trigger"),
)

destruction_records = Table(
    "destruction_records",
    metadata,
    Column("run_id", Integer, ForeignKey("retention_runs.id"), primary_key=True),
    Column("data_class", String(16), primary_key=True),
    Column("removed", Integer, nullable=False),
    Column("oldest_at", UtcDateTime()),
    Column("newest_at", UtcDateTime()),
    Column("files_removed", Integer, nullable=False),
    Column("partitions_emptied", Integer, nullable=False),
)
"""Per run and class: rows removed, the oldest and newest capture (or entry) time among them,
image files deleted (images class) and monthly partitions emptied whole (PostgreSQL)."""

retention_image_candidates = Table(
    "retention_image_candidates",
    metadata,
    Column("sha256", String(SHA256_HEX_CHARS), primary_key=True),
    Column("queued_at", UtcDateTime(), nullable=False),
)

retention_image_files = Table(
    "retention_image_files",
    metadata,
    Column("sha256", String(SHA256_HEX_CHARS), primary_key=True),
    Column("queued_at", UtcDateTime(), nullable=False),
)

retention_plate_candidates = Table(
    "retention_plate_candidates",
    metadata,
    Column("plate", plate_type(), primary_key=True),
)
