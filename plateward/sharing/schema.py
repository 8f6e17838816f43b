"""Sharing agreements between agencies (policy G.4; Civil Code 1798.90.55(b)).

An agreement is asked for by the receiving agency's administrator and decided by the owner's
(``requested`` → ``approved`` or ``denied``); an approved one lasts until ``ends_on`` (that day
included, UTC) or until ``revoked``. Its scope is the owner's cameras (all, or the ids in
``camera_ids``), an optional window of capture times, and the search kinds it allows. Rows are
never deleted: the decisions are the record an auditor reads.
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

from plateward.store.schema import UtcDateTime, metadata

STATUSES = ("requested", "approved", "denied", "revoked")

sharing_agreements = Table(
    "sharing_agreements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("receiver_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("camera_ids", JSON),
    Column("search_kinds", JSON, nullable=False),
    Column("reads_from", UtcDateTime()),
    Column("reads_until", UtcDateTime()),
    Column("ends_on", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UtcDateTime()),
    Column("decision_note", Text),
    Column("revoked_by", String(64)),
    Column("revoked_at", UtcDateTime()),
    Column("revoke_reason", Text),
    CheckConstraint("status IN ('requested', 'approved', 'denied', 'revoked')", name="status"),
    CheckConstraint("owner_agency_id <> receiver_agency_id", name="two_agencies"),
    Index("ix_sharing_agreements_receiver_status", "receiver_agency_id", "status"),
)
