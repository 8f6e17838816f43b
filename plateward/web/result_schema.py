"""Search results kept for the browser that asked: so paging, opening a read and exporting
reuse the one logged inquiry instead of searching (and logging) again.

A result set holds the read ids a search returned, in its order, never copies of the reads:
a read that retention removes is gone from every result set too. It belongs to one browser
session and is deleted with it (a foreign key ON DELETE CASCADE, migration 0021).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from plateward.store.schema import UtcDateTime, metadata

RESULT_ID_CHARS = 43
"""``secrets.token_urlsafe(32)``: unguessable, and checked against the session anyway."""

result_sets = Table(
    "result_sets",
    metadata,
    Column("id", String(RESULT_ID_CHARS), primary_key=True),
    Column("session_id", String(64), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("title", String(300), nullable=False),
    Column("query", JSON, nullable=False),
    Column("case_number", String(64)),
    Column("reason", Text),
    Column("entries", LargeBinary, nullable=False),
    Column("extra", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_result_sets_session_id", "session_id"),
)
"""``kind`` is the access log action of the inquiry (``search.plate``, ``search.grid``, ...);
``entries`` are the reads (id, capture time, score, distance_m) in the search's order, packed
(``result_entries.py``);
``extra`` is what a kind needs besides (the shape searched, stakeout groups, clone pairs)."""
