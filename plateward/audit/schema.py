"""The access log: append-only, each entry sealed with the hash of the one before."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table, Text

from plateward.store.schema import UtcDateTime, metadata

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("username", String(64), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("query", JSON, nullable=False),
    Column("case_number", String(64)),
    Column("reason", Text),
    Column("result_count", Integer),
    Column("client_address", String(64)),
    Column("outcome", String(32), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
)
