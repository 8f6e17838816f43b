"""The camera health tables: each camera's latest heartbeat, and the notices raised about it.

A heartbeat row is replaced by the next one: only the latest matters for health, and an
edge agent beats every minute. A notice stays once raised: the check clears it (``cleared_at``)
when the camera recovers, and an administrator may acknowledge it meanwhile. At most one
notice of a kind is open per camera, which the partial unique index holds even when two
server processes check at the same moment.
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
    text,
)

from plateward.store.schema import UtcDateTime, metadata

edge_heartbeats = Table(
    "edge_heartbeats",
    metadata,
    Column("camera_id", Integer, ForeignKey("cameras.id"), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("agent", String(100), nullable=False),
    Column("started_at", UtcDateTime()),
    Column("queued_reads", Integer, nullable=False),
    Column("last_error", Text),
    Column("client_address", String(64)),
)

camera_notices = Table(
    "camera_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("camera_id", Integer, ForeignKey("cameras.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("detail", Text, nullable=False),
    Column("cleared_at", UtcDateTime()),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", UtcDateTime()),
    CheckConstraint("kind IN ('silent', 'low_rate')", name="kind"),
    Index(
        "ix_camera_notices_open",
        "camera_id",
        "kind",
        unique=True,
        sqlite_where=text("cleared_at IS NULL"),
        postgresql_where=text("cleared_at IS NULL"),
    ),
)
