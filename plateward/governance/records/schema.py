"""The records request tables: each request, what happened to it, and the files it gathered.

The requester's name and contact details sit in ``records_requests`` beside the request; only
Internal Affairs and administrators read that table back (``requests.py``). The due date is
stored as computed at intake and at the one extension, so a later change to the holidays
setting does not move a deadline already given to a requester.
"""

from __future__ import annotations

from sqlalchemy import (
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

CHANNELS_SQL = "'web', 'counter', 'mail', 'email', 'phone', 'other'"
REPLY_SQL = "'email', 'mail', 'pickup', 'phone'"
STATUSES_SQL = "'open', 'in_progress', 'closed'"
OUTCOMES_SQL = "'released', 'partly_released', 'withheld', 'no_records', 'withdrawn'"

records_requests = Table(
    "records_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_on", Date, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("requester_name", String(200), nullable=False),
    Column("requester_contact", Text, nullable=False),
    Column("reply_by", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("entered_by", String(64), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assigned_to", String(64)),
    Column("due_on", Date, nullable=False),
    Column("extended_due_on", Date),
    Column("extension_reason", Text),
    Column("extended_by", String(64)),
    Column("extended_on", Date),
    Column("outcome", String(16)),
    Column("response_summary", Text),
    Column("closed_on", Date),
    Column("closed_by", String(64)),
    CheckConstraint(f"channel IN ({CHANNELS_SQL})", name="channel"),
    CheckConstraint(f"reply_by IN ({REPLY_SQL})", name="reply_by"),
    CheckConstraint(f"status IN ({STATUSES_SQL})", name="status"),
    CheckConstraint(f"outcome IS NULL OR outcome IN ({OUTCOMES_SQL})", name="outcome"),
    CheckConstraint("due_on > received_on", name="due_after_receipt"),
    # One extension, with its reason (Gov. Code 7922.535(b)).
    CheckConstraint(
        "(extended_due_on IS NULL) = (extension_reason IS NULL)", name="extension_has_reason"
    ),
    CheckConstraint("extended_due_on IS NULL OR extended_due_on > due_on", name="extension_later"),
    CheckConstraint(
        "(status = 'closed') = (closed_on IS NOT NULL AND outcome IS NOT NULL)", name="closed"
    ),
    Index("ix_records_requests_status", "status"),
)

records_request_events = Table(
    "records_request_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("records_requests.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    CheckConstraint(
        "kind IN ('received', 'assigned', 'note', 'extended', 'file', 'closed')", name="kind"
    ),
    Index("ix_records_request_events_request_id", "request_id"),
)
"""The request's history, oldest first: notes are events too. Rows are never changed."""

records_request_files = Table(
    "records_request_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("records_requests.id"), nullable=False),
    Column("part", String(16), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("sha256", String(SHA256_HEX_CHARS), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    CheckConstraint("part IN ('request', 'response')", name="part"),
    Index("ix_records_request_files_request_id", "request_id"),
)
"""``request``: what the requester sent (a scanned letter); ``response``: the package sent back."""
