"""Storing reads: a batch in one transaction, each read once however often it is sent.

Cameras retry batches whose acknowledgement they never saw, so a read that is already stored
(same UUID) is skipped and counted, not stored again and not an error.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, bindparam, func, select, text

from plateward.store.partitions import ensure_partitions
from plateward.store.plate_index import index_plates
from plateward.store.schema import reads


@dataclass(slots=True)
class NewRead:
    """A read as the store takes it; images already stored and named by their SHA-256.

    Not frozen: ingest builds one per read of every batch, and a frozen dataclass's
    constructor (each field set through ``object.__setattr__``) took 5.4 us of the 9 us that
    turning a validated read into this cost (bench/ingest.py, 500-read batches).
    """

    id: uuid.UUID
    captured_at: dt.datetime
    plate: str
    confidence: float
    latitude: float
    longitude: float
    raw_text: str = ""
    alternatives: Sequence[dict[str, Any]] = field(default_factory=tuple)
    region: str | None = None
    region_confidence: float | None = None
    heading: float | None = None
    plate_image: str | None = None
    context_image: str | None = None


@dataclass(frozen=True)
class Stored:
    stored: int
    duplicates: int


def store_reads(
    connection: Connection,
    camera_id: int,
    batch: Sequence[NewRead],
    received_at: dt.datetime | None = None,
) -> Stored:
    """Insert the reads not yet stored; the caller's transaction makes the batch all-or-nothing."""
    if not batch:
        return Stored(0, 0)
    received = received_at or dt.datetime.now(dt.UTC)
    postgres = connection.dialect.name == "postgresql"
    ids = [r.id for r in batch]
    if postgres:
        known_ids = select(reads.c.id).where(reads.c.id == func.any(bindparam("ids", ids)))
    else:
        known_ids = select(reads.c.id).where(reads.c.id.in_(ids))
    known = set(connection.execute(known_ids).scalars())
    fresh: dict[uuid.UUID, NewRead] = {}
    for r in batch:
        if r.id not in known:
            fresh.setdefault(r.id, r)
    if not fresh:
        return Stored(stored=0, duplicates=len(batch))
    ensure_partitions(connection, [r.captured_at for r in fresh.values()])
    # ON CONFLICT: a concurrent retry of the same batch may have stored some since the check.
    index_plates(connection, {r.plate for r in fresh.values()})
    insert = _insert_postgres if postgres else _insert_sqlite
    inserted = insert(connection, list(fresh.values()), camera_id, received)
    return Stored(stored=inserted, duplicates=len(batch) - inserted)


# The columns a read's own fields fill; camera_id and received_at come from the request.
_READ_COLUMNS = {
    "id": "uuid",
    "captured_at": "timestamptz",
    "plate": "text",
    "raw_text": "text",
    "confidence": "float8",
    "alternatives": "json",
    "region": "text",
    "region_confidence": "float8",
    "latitude": "float8",
    "longitude": "float8",
    "heading": "float8",
    "plate_image": "text",
    "context_image": "text",
}
_COLUMNS = ["id", "captured_at", "received_at", "camera_id", *list(_READ_COLUMNS)[2:]]
_PG_VALUES = {
    **{column: column for column in _READ_COLUMNS},
    "received_at": "CAST(:received_at AS timestamptz)",
    "camera_id": "CAST(:camera_id AS integer)",
    "raw_text": "COALESCE(NULLIF(raw_text, ''), plate)",
}
_PG_INSERT = text(
    f"INSERT INTO reads ({', '.join(_COLUMNS)})"
    f" SELECT {', '.join(_PG_VALUES[column] for column in _COLUMNS)}"
    " FROM json_to_recordset(CAST(:rows AS json))"
    f" AS batch({', '.join(f'{c} {t}' for c, t in _READ_COLUMNS.items())})"
    " ON CONFLICT DO NOTHING RETURNING id"
)
_PG_BATCH = TypeAdapter(list[NewRead])


def _insert_postgres(
    connection: Connection, batch: list[NewRead], camera_id: int, received: dt.datetime
) -> int:
    """The whole batch as one JSON parameter, unpacked into rows by PostgreSQL.

    SQLAlchemy's multi-row VALUES for 500 reads is a statement of 7,500 placeholders, which
    psycopg spent most of the batch's time parsing, and arrays per column cost nearly as much
    in psycopg's Python array quoting. One JSON text, written by pydantic's serializer (in
    Rust) and parsed in C by the server, took a 500-read batch's store step from about 180 ms
    to 30 ms, and writing it with pydantic rather than json.dumps saved another fifth of the
    server's time per batch (bench/ingest.py).
    """
    payload = _PG_BATCH.dump_json(batch).decode()
    parameters = {"rows": payload, "camera_id": camera_id, "received_at": received}
    return len(connection.execute(_PG_INSERT, parameters).all())


_SQLITE_INSERT = (
    f"INSERT INTO reads ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in _COLUMNS)}) ON CONFLICT DO NOTHING"
)


def _insert_sqlite(
    connection: Connection, batch: list[NewRead], camera_id: int, received: dt.datetime
) -> int:
    """sqlite3's own executemany, each value converted by its column's SQLAlchemy type.

    The conversions are the ones SQLAlchemy applies (UUID as hex, UTC times, JSON text), so
    the stored values are identical; what is skipped is SQLAlchemy's per-row parameter
    building, which was a third of a 500-read batch's time. sqlite3 sums the rows each insert
    changed into rowcount, so skipped duplicates are not counted.
    """
    dialect = connection.dialect
    processors = [
        (name, reads.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in _COLUMNS
    ]
    rows = [_row(r, camera_id, received) for r in batch]
    values = [
        tuple(row[name] if convert is None else convert(row[name]) for name, convert in processors)
        for row in rows
    ]
    return connection.exec_driver_sql(_SQLITE_INSERT, values).rowcount


def _row(r: NewRead, camera_id: int, received: dt.datetime) -> dict[str, Any]:
    return {
        "id": r.id,
        "captured_at": r.captured_at.astimezone(dt.UTC),
        "received_at": received,
        "camera_id": camera_id,
        "plate": r.plate,
        "raw_text": r.raw_text or r.plate,
        "confidence": r.confidence,
        "alternatives": list(r.alternatives),
        "region": r.region,
        "region_confidence": r.region_confidence,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "heading": r.heading,
        "plate_image": r.plate_image,
        "context_image": r.context_image,
    }
