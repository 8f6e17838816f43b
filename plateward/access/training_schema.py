"""The training tables (policy D.1, F): the course catalog, who must take each course, and the
certificates of completion people hand to the system administrator.

Which roles need a course is a table of its own rather than a list in the course row, so a
database CHECK keeps every entry a real role and the gate finds a role's courses with one join.
A certificate row names its file by SHA-256 (``certificate_files.py`` keeps the file), so the
copy the administrator was given can be checked against the record at any time.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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

from plateward.access.schema import ROLES_SQL
from plateward.store.schema import SHA256_HEX_CHARS, UtcDateTime, metadata

courses = Table(
    "courses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("systems", Text, nullable=False, default=""),
    Column("valid_days", Integer),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("valid_days IS NULL OR valid_days > 0", name="valid_days"),
)
"""One course per row. ``valid_days`` NULL: a certificate never expires (the policy sets no
renewal; an agency that wants one sets it here). An inactive course is required of no one."""

course_roles = Table(
    "course_roles",
    metadata,
    Column("course_id", Integer, ForeignKey("courses.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
    CheckConstraint(f"role IN ({ROLES_SQL})", name="role"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("course_id", Integer, ForeignKey("courses.id"), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("file_sha256", String(SHA256_HEX_CHARS), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("revoked_by", String(64)),
    Column("revoked_at", UtcDateTime()),
    Column("revoked_reason", Text),
    Index("ix_certificates_user_course", "user_id", "course_id"),
)
"""Rows are never deleted: a certificate recorded in error is revoked, with who and why, so the
record of what was on file when a person searched stays whole."""
