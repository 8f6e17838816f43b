"""The one select every search starts from: reads joined to their camera, with the filters.

Each search adds its own condition (a plate, a pattern, a place) to this query, so the filters
mean the same thing everywhere and a hit always has the same columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, func, literal_column, select

from plateward.search.filters import Filters
from plateward.search.results import ReadHit
from plateward.store.schema import cameras, reads

Bind = Connection | Engine
"""Searches accept a connection (to share the caller's transaction) or an engine."""

HIT_COLUMNS = (
    reads.c.id,
    reads.c.plate,
    reads.c.captured_at,
    cameras.c.code.label("camera"),
    reads.c.latitude,
    reads.c.longitude,
    reads.c.confidence,
    reads.c.region,
    reads.c.plate_image,
)

HIT_WIDTH = len(HIT_COLUMNS)


@contextmanager
def connected(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def select_hits(filters: Filters, *extra: Any) -> Select[Any]:
    """Reads joined to cameras, narrowed by ``filters``; no order and no limit yet."""
    query = select(*HIT_COLUMNS, *extra).join_from(
        reads, cameras, reads.c.camera_id == cameras.c.id
    )
    return narrow(query, filters)


def select_plates(filters: Filters) -> Select[Any]:
    """The distinct plates of the reads that pass ``filters``.

    The camera join is added only when a camera filter needs it, so the plain case can be
    answered from the (plate, captured_at) index alone.
    """
    query = select(reads.c.plate).distinct()
    if filters.cameras:
        query = query.join_from(reads, cameras, reads.c.camera_id == cameras.c.id)
    return narrow(query, filters)


def narrow(query: Select[Any], filters: Filters) -> Select[Any]:
    """Add the filters' conditions; a camera filter needs the query to join cameras."""
    if filters.start is not None:
        query = query.where(reads.c.captured_at >= filters.start)
    if filters.end is not None:
        query = query.where(reads.c.captured_at < filters.end)
    if filters.cameras:
        query = query.where(cameras.c.code.in_(filters.cameras))
    if filters.region is not None:
        query = query.where(func.lower(reads.c.region) == filters.region)
    if filters.min_confidence is not None:
        query = query.where(reads.c.confidence >= filters.min_confidence)
    return query


def plate_order(connection: Connection, *, newest_first: bool) -> tuple[ColumnElement[Any], ...]:
    """Capture order for a plate's reads, ties broken the way the back-end's index sorts them.

    SQLite's (plate, captured_at) index ends in each row's rowid, so breaking ties by rowid
    lets it take a plate's reads straight off the index, newest or oldest first, and stop at
    the limit; breaking them by id made it sort every run of equal times in a temporary
    b-tree, 2 of the 6 ms of a 1,000-read search. PostgreSQL has no rowid and breaks ties by
    id. Either way the order is the same every time the search runs.
    """
    if connection.dialect.name == "sqlite":
        rowid: ColumnElement[int] = literal_column("reads.rowid")
        if newest_first:
            return reads.c.captured_at.desc(), rowid.desc()
        return reads.c.captured_at, rowid
    if newest_first:
        return reads.c.captured_at.desc(), reads.c.id
    return reads.c.captured_at, reads.c.id


def to_hit(row: Any, *, score: float | None = None, distance_m: float | None = None) -> ReadHit:
    """The hit of a row of ``select_hits``, whose first columns are HIT_COLUMNS in order.

    By position, not by name: a search may return a thousand rows, and looking each column
    up by name cost about a third of an exact-plate search's time (bench/search.py).
    """
    read_id, plate, captured_at, camera, latitude, longitude, confidence, region, image = row[
        :HIT_WIDTH
    ]
    return ReadHit(
        read_id, plate, as_utc(captured_at), camera, latitude, longitude, confidence, region,
        image, score, distance_m,
    )  # fmt: skip


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC; PostgreSQL returns aware times in the session's zone."""
    if moment.tzinfo is dt.UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
