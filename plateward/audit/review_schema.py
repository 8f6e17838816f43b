"""The semi-annual audits (policy H): which access log entries were sampled, and each verdict.

An audit points at access log entries rather than copying them: the log is append-only and
tamper-evident, so what the auditor judged is exactly what ``plateward audit verify`` vouches
for. ``population`` and ``through_entry_id`` pin the set the sample was drawn from, so anyone
can redraw it with the stored seed and get the same entries (``sampling.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

VERDICTS_SQL = "'compliant', 'not_compliant', 'follow_up'"

audits = Table(
    "audits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period", String(6), nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("population", Integer, nullable=False),
    Column("through_entry_id", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("closed_by", String(64)),
    Column("closed_at", UtcDateTime()),
    CheckConstraint("sample_size > 0", name="sample_size"),
    Index("ix_audits_period", "period"),
)

audit_items = Table(
    "audit_items",
    metadata,
    Column("audit_id", Integer, ForeignKey("audits.id"), primary_key=True),
    Column("access_log_id", Integer, ForeignKey("access_log.id"), primary_key=True),
    Column("verdict", String(16)),
    Column("notes", Text),
    Column("reviewed_by", String(64)),
    Column("reviewed_at", UtcDateTime()),
    CheckConstraint(f"verdict IS NULL OR verdict IN ({VERDICTS_SQL})", name="verdict"),
)
