"""Exporting reads as CSV or GeoJSON, streamed row by row so memory stays flat.

An export can cover years of a county's reads. Rows come from a server-side cursor (PostgreSQL)
or SQLite's lazy cursor in slices of ``STREAM_ROWS`` and are written as they arrive, so the
process holds one slice at a time whatever the size of the export (a search's results, named
read by read, are few enough to come at once). The CSV columns are the ones
``plateward import csv`` reads back, which makes an export a faithful copy of the reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import Connection, Select, select

from plateward.errors import InvalidInput
from plateward.search.query import CAMERA_CODE, as_utc
from plateward.search.scope import visible
from plateward.store.cameras import camera_by_code
from plateward.store.read_keys import PackedKeys, ReadKey, among
from plateward.store.schema import reads

STREAM_ROWS = 1000
COLUMNS = (
    "id",
    "captured_at",
    "received_at",
    "camera",
    "plate",
    "raw_text",
    "confidence",
    "alternatives",
    "region",
    "region_confidence",
    "latitude",
    "longitude",
    "heading",
    "plate_image",
    "context_image",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_body_type",
    "vehicle_direction",
)
"""The CSV header, in order; ``received_at`` is informative and an import sets its own."""


@dataclass(frozen=True)
class ExportFilter:
    """Which reads: captured in [start, end), from these cameras (all when empty), of these
    plates (all when empty), and, when ``reads`` is given, only those reads (a search's
    results).

    A search of one plate names its plate with its reads: PostgreSQL then finds each read
    through the (plate, capture time) index whose pages the search itself just read, where by
    the primary key each read cost a leaf of a random-keyed index besides its heap page (the
    1,000 reads of a plate at ten million reads: 54.5 -> 32.4 ms median, 15 plates each way,
    alternating, one process).
    """

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    cameras: tuple[str, ...] = ()
    plates: tuple[str, ...] = ()
    reads: Sequence[ReadKey] | PackedKeys = ()


def exported_rows(connection: Connection, selection: ExportFilter) -> Iterator[dict[str, Any]]:
    """The matching reads as plain values (UTC ISO times, string ids), oldest first."""
    for row in _rows(connection, selection):
        yield _plain(row._mapping)


def _rows(connection: Connection, selection: ExportFilter) -> Iterator[Any]:
    """The matching reads as the statement returns them, its columns in ``COLUMNS`` order.

    Reads named one by one (a search's results, a few thousand at most) come in one answer,
    fetched at once: a server-side cursor costs three round trips more, and PostgreSQL plans
    a cursor for its first tenth of rows (in one process, the export of a 1,000-read
    result: 3.6 -> 2.0 ms median, 55 -> 35 ms for the slowest of 40); fetched one row at a
    time, psycopg's per-row calls took a third of writing a 1,000-read CSV.
    """
    statement = _statement(connection, selection)
    if selection.reads:
        yield from connection.execute(statement).all()
        return
    streamed = {"stream_results": True, "yield_per": STREAM_ROWS}
    result = connection.execute(statement, execution_options=streamed)
    try:
        yield from result
    finally:
        result.close()


def write_csv(connection: Connection, out: TextIO, selection: ExportFilter) -> int:
    """Write the header and one line per read; returns how many reads were written.

    Only the columns of ``_CSV_CELL`` are converted, in the row as fetched: the csv module
    itself writes None as an empty cell and anything else as its ``str()``. Building a
    dictionary of plain values per row first (as GeoJSON needs) cost more than writing it,
    and a function call for each of the twenty cells cost 15.0 ms of a plate's 1,000 rows
    against 12.9 for the three converted (a one-off harness).
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    converted = [(i, _CSV_CELL[name]) for i, name in enumerate(COLUMNS) if name in _CSV_CELL]
    count = 0
    for row in _rows(connection, selection):
        values = list(row)
        for i, convert in converted:
            values[i] = convert(values[i])
        writer.writerow(values)
        count += 1
    return count


def write_geojson(connection: Connection, out: TextIO, selection: ExportFilter) -> int:
    """Write a FeatureCollection of Points (RFC 7946: longitude first); returns the count."""
    out.write('{"type": "FeatureCollection", "features": [')
    count = 0
    for row in exported_rows(connection, selection):
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": {k: v for k, v in row.items() if k not in ("latitude", "longitude")},
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _statement(connection: Connection, selection: ExportFilter) -> Select[Any]:
    for moment in (selection.start, selection.end):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"export time {moment.isoformat()}: give a UTC offset")
    if selection.start and selection.end and selection.start >= selection.end:
        raise InvalidInput(
            f"export range {selection.start.isoformat()} to {selection.end.isoformat()}:"
            " the start must be before the end"
        )
    # Built from COLUMNS, so write_csv can take each row's cells in the header's order.
    statement = select(
        *(CAMERA_CODE.label("camera") if name == "camera" else reads.c[name] for name in COLUMNS)
    ).order_by(reads.c.captured_at, reads.c.id)
    if selection.start is not None:
        statement = statement.where(reads.c.captured_at >= selection.start.astimezone(dt.UTC))
    if selection.end is not None:
        statement = statement.where(reads.c.captured_at < selection.end.astimezone(dt.UTC))
    if selection.cameras:
        ids = [camera_by_code(connection, code).id for code in selection.cameras]
        statement = statement.where(reads.c.camera_id.in_(ids))
    if selection.plates:
        statement = statement.where(reads.c.plate.in_(selection.plates))
    if selection.reads:
        statement = statement.where(*among(connection, selection.reads))
    # Whose reads the running export may see (search/scope.py): only its own agency's and
    # those shared with it.
    return statement.where(*visible())


def _plain(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["id"] = str(row["id"])
    out["captured_at"] = _utc(row["captured_at"])
    out["received_at"] = _utc(row["received_at"])
    out["alternatives"] = list(row["alternatives"] or [])
    return out


def _utc(moment: dt.datetime) -> str:
    return as_utc(moment).isoformat()


def _alternatives(value: list[Any] | None) -> str:
    # Most reads have none: json.dumps of an empty list took 3.8 us, 3.7 ms of 1,000 rows.
    return json.dumps(list(value), separators=(",", ":")) if value else "[]"


_CSV_CELL: dict[str, Callable[[Any], str]] = {
    "captured_at": _utc,
    "received_at": _utc,
    "alternatives": _alternatives,
}
"""Columns whose CSV cell is not what the csv module writes for the value as fetched."""
