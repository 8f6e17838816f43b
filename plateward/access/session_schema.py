"""Web sign-in state: browser sessions and each person's optional TOTP second factor.

A session row is keyed by the SHA-256 of the cookie's random token, like an API token, so a
copy of the database does not hand out live sessions. A TOTP secret has to be stored as it is
(the server computes the same codes from it), so it lives in its own table that nothing but
the sign-in code reads.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from plateward.store.schema import SHA256_HEX_CHARS, UtcDateTime, metadata

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(SHA256_HEX_CHARS), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("second_factor_passed", Boolean, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)
"""``second_factor_passed`` is false only while a password was right and a TOTP code is awaited;
a person without a second factor gets a session that is complete from the start."""

totp_secrets = Table(
    "totp_secrets",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_step", Integer),
    Column("failed_codes", Integer, nullable=False, default=0),
)
"""``last_step`` is the 30-second step of the last code accepted (a code works once);
``failed_codes`` counts wrong codes since the last right one, towards the account lockout."""
