"""Keeping, finding and reading back the results of a search run from a page.

The inquiry is justified and logged once, when it runs (``inquiry_pages.py``); its result set
then serves every page of results, the thumbnails and the reads opened from it, all under the
same justification, and only to the session that ran it. Whatever is opened at full size or
exported from it is logged again, as the API logs it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    insert,
    select,
)

from plateward.access.sessions import Session
from plateward.errors import NotFound
from plateward.search.justification import Justification
from plateward.search.query import CAMERA_CODE, CAMERA_NAME, as_utc
from plateward.search.results import ReadHit, ResultKey
from plateward.search.scope import visible
from plateward.store.read_keys import ReadKey, among
from plateward.store.schema import reads
from plateward.vehicle import describe_vehicle
from plateward.web.result_entries import Entry, PackedEntries, pack_entries
from plateward.web.result_schema import result_sets


@dataclass(frozen=True)
class ResultSet:
    id: str
    kind: str
    """The access log action of the inquiry that made it."""
    title: str
    query: dict[str, Any]
    justification: Justification
    entries: PackedEntries
    extra: dict[str, Any]
    created_at: dt.datetime

    def position(self, read_id: uuid.UUID) -> int | None:
        return self.entries.index_of(read_id)


def entries_of(hits: Sequence[ReadHit] | Sequence[ResultKey]) -> list[Entry]:
    return [
        Entry(h.id, h.captured_at, h.score, h.distance_m if isinstance(h, ReadHit) else None)
        for h in hits
    ]


def save_result(
    connection: Connection, session: Session, *, kind: str, title: str, query: dict[str, Any],
    justification: Justification, entries: Sequence[Entry], extra: dict[str, Any] | None = None,
) -> str:  # fmt: skip
    """Store a result set for ``session`` and return its id (deleted with the session)."""
    result_id = secrets.token_urlsafe(32)
    connection.execute(
        insert(result_sets).values(
            id=result_id,
            session_id=session.id,
            user_id=session.user.id,
            kind=kind,
            title=title[:300],
            query=query,
            case_number=justification.case_number,
            reason=justification.reason,
            entries=pack_entries(entries),
            extra=extra or {},
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return result_id


def load_result(connection: Connection, result_id: str, session: Session) -> ResultSet:
    """The session's own result set; anyone else's is as unknown as one that never existed."""
    row = connection.execute(
        select(result_sets).where(
            result_sets.c.id == result_id, result_sets.c.session_id == session.id
        )
    ).first()
    if row is None:
        raise NotFound(
            "these results are gone (they last as long as your session); run the search again"
        )
    return ResultSet(
        id=row.id,
        kind=row.kind,
        title=row.title,
        query=row.query,
        justification=Justification(row.case_number, row.reason),
        entries=PackedEntries(row.entries),
        extra=row.extra,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class ReadRow:
    """A read as a results table shows it: the hit's fields plus its alternatives and images."""

    id: uuid.UUID
    plate: str
    raw_text: str
    captured_at: dt.datetime
    camera: str
    camera_name: str
    latitude: float
    longitude: float
    heading: float | None
    confidence: float
    alternatives: list[dict[str, Any]]
    region: str | None
    plate_image: str | None
    context_image: str | None
    score: float | None
    distance_m: float | None
    vehicle: str | None = None
    """What the camera's recognizer said of the vehicle (make, colour, ...), when it did."""


def read_rows(connection: Connection, entries: Sequence[Entry]) -> list[ReadRow]:
    """The reads of ``entries``, in their order; reads removed since the search are left out."""
    found = _in_order(
        connection,
        entries,
        reads.c.id,
        reads.c.plate,
        reads.c.raw_text,
        reads.c.captured_at,
        CAMERA_CODE.label("code"),
        CAMERA_NAME.label("name"),
        reads.c.latitude,
        reads.c.longitude,
        reads.c.heading,
        reads.c.confidence,
        reads.c.alternatives,
        reads.c.region,
        reads.c.plate_image,
        reads.c.context_image,
        reads.c.vehicle_make,
        reads.c.vehicle_model,
        reads.c.vehicle_color,
        reads.c.vehicle_body_type,
        reads.c.vehicle_direction,
    )
    return [
        ReadRow(
            id=row.id, plate=row.plate, raw_text=row.raw_text, captured_at=as_utc(row.captured_at),
            camera=row.code, camera_name=row.name, latitude=row.latitude,
            longitude=row.longitude, heading=row.heading, confidence=row.confidence,
            alternatives=list(row.alternatives or []), region=row.region,
            plate_image=row.plate_image, context_image=row.context_image,
            score=entry.score, distance_m=entry.distance_m,
            vehicle=describe_vehicle(row.vehicle_make, row.vehicle_model, row.vehicle_color,
                                     row.vehicle_body_type, row.vehicle_direction),
        )
        for entry, row in found
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A read as the results map draws it."""

    id: uuid.UUID
    plate: str
    captured_at: dt.datetime
    camera: str
    latitude: float
    longitude: float


def map_points(connection: Connection, entries: Sequence[Entry]) -> list[MapPoint]:
    """The reads of ``entries`` for the map, in their order; removed ones left out.

    Six columns, not the table's nineteen: the map of a plate seen thousands of times is
    drawn on every page of its results, and building full rows (alternatives, images,
    vehicle) for each point was most of that page's time.
    """
    found = _in_order(
        connection, entries, reads.c.id, reads.c.plate, reads.c.captured_at,
        CAMERA_CODE.label("code"), reads.c.latitude, reads.c.longitude,
    )  # fmt: skip
    return [
        MapPoint(row.id, row.plate, as_utc(row.captured_at), row.code, row.latitude, row.longitude)
        for _, row in found
    ]


def _in_order(
    connection: Connection, entries: Sequence[Entry], *columns: ColumnElement[Any]
) -> list[tuple[Entry, Any]]:
    """Each entry with its read's ``columns``, in the entries' order; reads removed since the
    search, or no longer visible to the inquiry, are left out. A camera's columns are looked
    up per read (``CAMERA_CODE``), not joined."""
    if not entries:
        return []
    rows = connection.execute(
        select(*columns).where(
            *among(connection, [ReadKey(e.read_id, e.captured_at) for e in entries]), *visible()
        )
    ).all()
    found = {row.id: row for row in rows}
    return [(entry, found[entry.read_id]) for entry in entries if entry.read_id in found]
