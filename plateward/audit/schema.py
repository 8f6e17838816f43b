"""The access log: append-only entries, the Merkle tree over them, and the signed tree heads.

``access_log`` holds what happened. Its ``id`` comes from a sequence (PostgreSQL) or
AUTOINCREMENT (SQLite), so a number once given is never given again, even if entries were
deleted; ``leaf_index`` is the entry's place in the tree, 0, 1, 2, ... without gaps.

``access_log_nodes`` holds the tree: every complete subtree's hash, leaves (level 0) included,
written as it completes and never changed (``merkle.py``). The leaf hashes stay when a
retention cut removes old entries (``cut.py``), so the tree, and every checkpoint signed over
it, still verifies after the entries themselves are gone.

``access_log_checkpoints`` keeps the tree heads this server signed. They are kept here for the
transparency page; the copies that count are the ones outside the database (the checkpoint file,
the witnesses, auditors' own), since whoever can change this table can change this copy.

Migration 0013 makes all three append-only with triggers, and ``plateward db grant`` gives the
application's PostgreSQL role no UPDATE, DELETE or TRUNCATE on them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, SmallInteger, String, Table, Text

from plateward.store.schema import SHA256_HEX_CHARS, UtcDateTime, metadata

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("leaf_index", Integer, nullable=False, unique=True),
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
    sqlite_autoincrement=True,
)

access_log_nodes = Table(
    "access_log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(SHA256_HEX_CHARS), nullable=False),
)
"""The hash of leaves [position * 2**level, (position + 1) * 2**level), hex."""

access_log_checkpoints = Table(
    "access_log_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", Integer, nullable=False),
    Column("root_hash", String(SHA256_HEX_CHARS), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    Column("note", Text, nullable=False),
    sqlite_autoincrement=True,
)
"""``note`` is the signed checkpoint exactly as published (``checkpoints.py``)."""

APPEND_ONLY_TABLES = ("access_log", "access_log_nodes", "access_log_checkpoints")
