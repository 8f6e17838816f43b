"""The tables, as SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Core tables rather than ORM classes because reads arrive in batches of hundreds and are
searched in bulk: inserting and selecting rows as tuples is several times faster than building
objects, and every query here is written against these columns directly.

There is no owner or registration data anywhere: a read is a plate seen by a camera at a time
and place, nothing more (policy A.7 keeps ALPR data apart from DMV records).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC, stored and returned timezone-aware on both back-ends.

    SQLite has no timezone type: SQLAlchemy writes the wall-clock digits of whatever datetime it
    is given and reads them back naive. Converting to UTC on the way in and marking UTC on the
    way out makes a capture time mean the same instant on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise ValueError(f"{value!r}: a stored time needs a UTC offset")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        moment: dt.datetime = value
        if moment.tzinfo is dt.UTC:  # PostgreSQL's sessions are in UTC (store/database.py)
            return moment
        if moment.tzinfo is None:
            return moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite, parse the stored text straight to an aware UTC time.

        The general path parses the text to a naive time and then sets its zone; a search
        returning a thousand reads spent about 4 ms doing that (bench/search.py), where
        ``fromisoformat`` on the text with its offset appended takes a fifth of the time.
        SQLite's stored form is always UTC, written by ``process_bind_param`` above.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = dt.datetime.fromisoformat

        def process(value: str | None) -> dt.datetime | None:
            return None if value is None else parse(value + "+00:00")

        return process


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

PLATE_MAX_CHARS = 10


def plate_type(length: int = PLATE_MAX_CHARS) -> String:
    """A plate column: on PostgreSQL in byte order ("C"), which plates' A-Z0-9 sort by anyway.

    A language collation made every comparison in the plate indexes call strcoll, twice the
    cost of indexing new plates (migration 0009). SQLite compares bytes already.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


SHA256_HEX_CHARS = 64

MAX_INTEGER = 2**31 - 1
"""The largest value of an INTEGER column on PostgreSQL: ids and counts a caller names are
checked against it, so a bigger one is refused rather than failing in the database."""

AGENCY_KINDS = ("law_enforcement", "other_public", "private")

agencies = Table(
    "agencies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # The registry (plateward/agency, migration 0015): what sharing rules need to know. An
    # agency that existed before the registry has these empty and no ``confirmed_at`` until an
    # administrator completes it; nothing is shared with it until then.
    Column("kind", String(16)),
    Column("state", String(2)),
    Column("federal", Boolean, nullable=False, server_default="false"),
    Column("ori", String(9), unique=True),
    Column("confirmed_at", UtcDateTime()),
    Column("confirmed_by", String(64)),
    CheckConstraint(
        "kind IS NULL OR kind IN ('law_enforcement', 'other_public', 'private')", name="kind"
    ),
    CheckConstraint(
        "confirmed_at IS NULL OR (kind IS NOT NULL AND state IS NOT NULL)", name="confirmed"
    ),
)

cameras = Table(
    "cameras",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("vehicle_id", String(64)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("heading", Float),
    Column("public_areas_only", Boolean, nullable=False),
    Column("court_order", Text),
    # The IANA zone of a camera whose software writes times without a UTC offset.
    Column("timezone", String(64)),
    Column("key_hash", String(SHA256_HEX_CHARS), nullable=False, unique=True),
    Column("key_revoked_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("kind IN ('fixed', 'vehicle')", name="kind"),
    CheckConstraint("kind = 'fixed' OR vehicle_id IS NOT NULL", name="vehicle_has_id"),
    # Policy A.5: a camera that sees more than public areas needs a court order on file.
    CheckConstraint("public_areas_only OR court_order IS NOT NULL", name="court_order"),
)

images = Table(
    "images",
    metadata,
    Column("sha256", String(SHA256_HEX_CHARS), primary_key=True),
    Column("media_type", String(32), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Which reads may name this image, so retention can tell when none is left without an
    # index on the reads' image columns (migration 0015): an image first stored is named by
    # one read; storing it again for another marks it ``shared``, and every read naming it
    # was captured within [first_captured_at, last_captured_at] (retention/images.py).
    Column("shared", Boolean, nullable=False, server_default="false"),
    Column("first_captured_at", UtcDateTime()),
    Column("last_captured_at", UtcDateTime()),
)

reads = Table(
    "reads",
    metadata,
    # PostgreSQL partitions reads by capture time, and a partitioned table's key must hold the
    # partition column, so the key is (id, captured_at); ids are UUIDs made by the camera.
    Column("id", Uuid, primary_key=True),
    Column("captured_at", UtcDateTime(), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("camera_id", Integer, ForeignKey("cameras.id"), nullable=False),
    Column("plate", plate_type(), nullable=False),
    Column("raw_text", String(64), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("alternatives", JSON, nullable=False),
    Column("region", String(16)),
    Column("region_confidence", Float),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("heading", Float),
    # Images by SHA-256 (``images``). No foreign key on PostgreSQL since migration 0015: each
    # image row retention deleted made it scan every read; retention/images.py checks that no
    # read names an image before its row goes. SQLite keeps the constraint of 0001.
    Column("plate_image", String(SHA256_HEX_CHARS)),
    Column("context_image", String(SHA256_HEX_CHARS)),
    # What the vendor's recognizer said of the vehicle (plateward/vehicle.py normalises it);
    # migration 0014. Unindexed: searches narrow by them beside an indexed condition.
    Column("vehicle_make", String(32)),
    Column("vehicle_model", String(48)),
    Column("vehicle_color", String(16)),
    Column("vehicle_body_type", String(16)),
    Column("vehicle_direction", String(16)),
    CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
    CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
    CheckConstraint("confidence BETWEEN 0 AND 1", name="confidence"),
    Index("ix_reads_plate_captured_at", "plate", "captured_at"),
    Index("ix_reads_captured_at", "captured_at"),
    Index("ix_reads_camera_id_captured_at", "camera_id", "captured_at"),
    # Grid searches use an expression index on (grid cell, captured_at), made by migration
    # 0008 in each back-end's SQL (store/grid_cells.py); PostgreSQL also has the PostGIS
    # location column (migration 0001) for the exact distance test.
)

# The distinct plates ever read. A partial search for "*KX?9*" looks up the plates holding
# the piece "KX" (a few thousand of millions) and matches only those, where a LIKE over every
# read would scan the whole table (store/plate_index.py). The pieces live in an index each
# back-end builds its own way: a GIN index on PostgreSQL (migration 0010), an FTS5 table on
# SQLite (migration 0011).
plates = Table(
    "plates",
    metadata,
    Column("plate", plate_type(), primary_key=True),
    sqlite_with_rowid=False,
)

# Which Plateward camera a vendor's camera or agent identifier is (migration 0014). A Rekor
# agent or a Verkada organisation posts for many cameras with one credential: ``via_camera_id``
# is the camera whose key delivers the source, ``camera_id`` the camera it becomes.
camera_sources = Table(
    "camera_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("via_camera_id", Integer, ForeignKey("cameras.id"), nullable=False),
    Column("system", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("camera_id", Integer, ForeignKey("cameras.id"), nullable=False),
    Column("label", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("via_camera_id", "system", "source"),
)

# The last heartbeat a vendor's agent sent for each camera it runs (camera health).
camera_heartbeats = Table(
    "camera_heartbeats",
    metadata,
    Column("camera_id", Integer, ForeignKey("cameras.id"), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("reported_at", UtcDateTime()),
    Column("streaming", Boolean),
    Column("detail", JSON, nullable=False),
)
