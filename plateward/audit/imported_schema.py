"""Search-audit history imported from a previous ALPR system, apart from the chained log.

These entries were not written by Plateward and cannot be vouched for by its tree and signed checkpoints, so
they live in their own table (migration 0014), each marked with the file it came from, who
imported it and when. The chained ``access_log`` records the import itself.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from plateward.store.schema import UtcDateTime, metadata

imported_access_log = Table(
    "imported_access_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("system", String(32), nullable=False),
    # The vendor's id for the entry, or a digest of the row: importing twice adds nothing.
    Column("entry_key", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("username", String(200), nullable=False),
    Column("agency", String(200)),
    Column("action", String(64), nullable=False),
    Column("plate", String(32)),
    Column("case_number", String(200)),
    Column("reason", Text),
    Column("result_count", Integer),
    Column("detail", JSON, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    Column("imported_by", String(64), nullable=False),
    UniqueConstraint("system", "entry_key"),
    Index("ix_imported_access_log_at", "at"),
    Index("ix_imported_access_log_plate", "plate"),
)
