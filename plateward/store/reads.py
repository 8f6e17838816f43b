"""Storing reads: a batch in one transaction, each read once however often it is sent.

Cameras retry batches whose acknowledgement they never saw, so a read that is already stored
(same UUID) is skipped and counted, not stored again and not an error.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Dialect, text

from plateward.store.partitions import ensure_months, months_of
from plateward.store.planner import unprepared
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
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    vehicle_color: str | None = None
    vehicle_body_type: str | None = None
    vehicle_direction: str | None = None


@dataclass(frozen=True)
class Stored:
    stored: int
    duplicates: int


@dataclass(frozen=True)
class RowsJson:
    """Reads as the JSON text PostgreSQL's store statement takes, with what it needs besides.

    Made where the reads are made (an import's worker process), so that the process storing
    them passes text along instead of rebuilding every read from a pickle and serialising
    it again: that was two thirds of a parallel import's own work per read.
    """

    text: str
    """A JSON array of reads."""
    count: int
    months: frozenset[dt.date]
    """The months the reads were captured in: their partitions must exist."""


def rows_json(batch: Sequence[NewRead]) -> RowsJson:
    return RowsJson(
        _PG_BATCH.dump_json(list(batch), exclude_none=True).decode(),
        len(batch),
        frozenset(months_of([r.captured_at for r in batch])),
    )


def joined(parts: Sequence[RowsJson]) -> RowsJson:
    """One batch of several parts' reads."""
    filled = [p for p in parts if p.count]
    if len(filled) == 1:
        return filled[0]
    return RowsJson(
        "[" + ",".join(p.text[1:-1] for p in filled) + "]",
        sum(p.count for p in filled),
        frozenset().union(*(p.months for p in filled)),
    )


def store_reads(
    connection: Connection,
    camera_id: int,
    batch: Sequence[NewRead] | RowsJson,
    received_at: dt.datetime | None = None,
) -> Stored:
    """Insert the reads not yet stored; the caller's transaction makes the batch all-or-nothing.

    ``RowsJson`` (made by ``rows_json``) is PostgreSQL's only.
    """
    count = batch.count if isinstance(batch, RowsJson) else len(batch)
    if not count:
        return Stored(0, 0)
    received = received_at or dt.datetime.now(dt.UTC)
    if connection.dialect.name == "postgresql":
        rows = batch if isinstance(batch, RowsJson) else rows_json(batch)
        ensure_months(connection, rows.months)
        parameters = {"rows": rows.text, "camera_id": camera_id, "received_at": received}
        with unprepared(connection):
            inserted = int(connection.execute(_PG_STORE, parameters).scalar_one())
    elif isinstance(batch, RowsJson):
        raise TypeError("RowsJson is for PostgreSQL: give SQLite the reads")
    else:
        inserted = _store_sqlite(
            connection, _sqlite_rows(connection.dialect, batch, camera_id, received)
        )
    return Stored(stored=inserted, duplicates=count - inserted)


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
    "vehicle_make": "text",
    "vehicle_model": "text",
    "vehicle_color": "text",
    "vehicle_body_type": "text",
    "vehicle_direction": "text",
}
_COLUMNS = ["id", "captured_at", "received_at", "camera_id", *list(_READ_COLUMNS)[2:]]
_PG_VALUES = {
    **{column: column for column in _READ_COLUMNS},
    "received_at": "CAST(:received_at AS timestamptz)",
    "camera_id": "CAST(:camera_id AS integer)",
    "raw_text": "COALESCE(NULLIF(raw_text, ''), plate)",
}
_RESEND_WINDOW = "interval '1 day'"
_PG_STORE = text(
    # The primary key also holds captured_at (partitioning needs it), so ON CONFLICT only
    # catches a resend with the same time; NOT EXISTS also catches one whose time moved by
    # up to a day (a camera's clock corrected). Looking further would probe every monthly
    # partition's key for every read: 55 ms a batch at eleven months, against two partitions
    # at most here. OFFSET 0 keeps that check a probe of the key per read: without it the
    # planner may turn it into a hash anti-join that reads the whole month, and does so
    # for a month not yet analysed (its size guessed from its pages), as every new month and
    # a long import are: a 1,000-read batch took 50 ms at 50,000 reads in the month and
    # 219 ms at 600,000, in one transaction. DISTINCT ON keeps one of a batch's own repeats.
    "WITH batch AS ("
    f" SELECT DISTINCT ON (id) * FROM json_to_recordset(CAST(:rows AS json))"
    f" AS batch({', '.join(f'{c} {t}' for c, t in _READ_COLUMNS.items())}) ORDER BY id),"
    f" inserted AS (INSERT INTO reads ({', '.join(_COLUMNS)})"
    f" SELECT {', '.join(_PG_VALUES[column] for column in _COLUMNS)} FROM batch"
    " WHERE NOT EXISTS (SELECT 1 FROM reads WHERE reads.id = batch.id AND reads.captured_at"
    f" BETWEEN batch.captured_at - {_RESEND_WINDOW} AND batch.captured_at + {_RESEND_WINDOW}"
    " OFFSET 0)"
    " ON CONFLICT DO NOTHING RETURNING plate),"
    # The plate index, from the reads actually stored, in one order for every batch so two
    # batches with the same new plates cannot deadlock; its GIN index (migration 0010)
    # follows by itself.
    " indexed AS (INSERT INTO plates (plate) SELECT DISTINCT plate FROM inserted"
    " ORDER BY plate ON CONFLICT DO NOTHING)"
    " SELECT count(*) FROM inserted"
)
# The whole batch as one JSON parameter, unpacked, checked and indexed by PostgreSQL.
# SQLAlchemy's multi-row VALUES for 500 reads is a statement of 7,500 placeholders, which
# psycopg spent most of the batch's time parsing, and arrays per column cost nearly as much in
# psycopg's Python array quoting. One JSON text, written by pydantic's serializer (in Rust)
# and parsed in C by the server, took a 500-read batch's store step from about 180 ms to
# 30 ms, and writing it with pydantic rather than json.dumps saved another fifth of the
# server's time per batch (bench/ingest.py); leaving out absent values (json_to_recordset
# gives NULL for a missing key) keeps the vehicle columns, rarely filled, from adding to
# every batch. One statement does what took four round trips:
# find the reads already stored, insert the rest, index their plates, count them.
_PG_BATCH = TypeAdapter(list[NewRead])


@dataclass(frozen=True)
class _SqliteRows:
    """A batch as sqlite3 executemany's rows, a read repeated within it kept once."""

    ids: Sequence[str]
    plates: Sequence[str]
    rows: Sequence[tuple[Any, ...]]
    """Without the vehicle columns, or with them (longer) for the reads that have any."""


def _store_sqlite(connection: Connection, prepared: _SqliteRows) -> int:
    """Skip the reads already stored, index the new ones' plates, insert them.

    SQLite takes its one write lock at the plate index's insert, after the check for known
    ids (a read).
    """
    if not prepared.ids:
        return 0
    known_ids = text("SELECT id FROM reads WHERE id IN (SELECT value FROM json_each(:ids))")
    known = set(connection.execute(known_ids, {"ids": json.dumps(prepared.ids)}).scalars())
    fresh = [k for k, read_id in enumerate(prepared.ids) if read_id not in known]
    if not fresh:
        return 0
    index_plates(connection, {prepared.plates[k] for k in fresh})
    rows = [prepared.rows[k] for k in fresh]
    narrow = [row for row in rows if len(row) == len(_SQLITE_COLUMNS)]
    wide = (
        [row for row in rows if len(row) != len(_SQLITE_COLUMNS)] if len(narrow) < len(rows) else []
    )
    # sqlite3 sums the rows each insert changed into rowcount, so duplicates are not counted.
    inserted = 0
    for statement, chosen in ((_SQLITE_INSERT, narrow), (_SQLITE_INSERT_VEHICLE, wide)):
        if chosen:
            inserted += connection.exec_driver_sql(statement, chosen).rowcount
    return inserted


_VEHICLE_COLUMNS = (
    "vehicle_make", "vehicle_model", "vehicle_color", "vehicle_body_type", "vehicle_direction",
)  # fmt: skip
_SQLITE_COLUMNS = [c for c in _COLUMNS if c not in _VEHICLE_COLUMNS]
# A read without vehicle attributes (a camera's own) is inserted without their columns:
# binding five more NULLs a row made a 500-read SQLite batch about a tenth slower.
_SQLITE_INSERT = (
    f"INSERT INTO reads ({', '.join(_SQLITE_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in _SQLITE_COLUMNS)}) ON CONFLICT DO NOTHING"
)
_SQLITE_INSERT_VEHICLE = (
    f"INSERT INTO reads ({', '.join(_SQLITE_COLUMNS + list(_VEHICLE_COLUMNS))})"
    f" VALUES ({', '.join('?' for _ in _COLUMNS)}) ON CONFLICT DO NOTHING"
)


def _sqlite_rows(
    dialect: Dialect, batch: Sequence[NewRead], camera_id: int, received: dt.datetime
) -> _SqliteRows:
    """Each value converted by its column's SQLAlchemy type, for sqlite3's own executemany.

    The conversions are the ones SQLAlchemy applies (UUID as hex, UTC times, JSON text), so
    the stored values are identical; what is skipped is SQLAlchemy's per-row parameter
    building, which was a third of a 500-read batch's time. One INSERT ... SELECT over the
    batch as JSON (as PostgreSQL does) was tried instead: extracting 15 values per row from
    the JSON made a batch's write 88 ms instead of 51.
    """
    processors = [
        (name, reads.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in _SQLITE_COLUMNS
    ]
    fresh: dict[uuid.UUID, NewRead] = {}
    for r in batch:
        fresh.setdefault(r.id, r)
    rows = []
    for r in fresh.values():
        row = _row(r, camera_id, received)
        values = tuple(
            row[name] if convert is None else convert(row[name]) for name, convert in processors
        )
        if (
            r.vehicle_make is not None
            or r.vehicle_model is not None
            or r.vehicle_color is not None
            or r.vehicle_body_type is not None
            or r.vehicle_direction is not None
        ):
            values += (
                r.vehicle_make, r.vehicle_model, r.vehicle_color, r.vehicle_body_type,
                r.vehicle_direction,
            )  # fmt: skip
        rows.append(values)
    plates = [r.plate for r in fresh.values()]
    return _SqliteRows(ids=[row[0] for row in rows], plates=plates, rows=rows)


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
