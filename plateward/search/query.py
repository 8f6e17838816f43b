"""The one select every search starts from: reads with their camera's code, and the filters.

Each search adds its own condition (a plate, a pattern, a place) to this query, so the filters
mean the same thing everywhere and a hit always has the same columns. A search whose result
only a web page keeps can select the reads' keys instead, under the same filters (``KEYS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Select, func, literal_column, select

from plateward.search.filters import Filters
from plateward.search.results import ReadHit, ResultKey
from plateward.search.scope import visible
from plateward.store.schema import cameras, reads

Bind = Connection | Engine
"""Searches accept a connection (to share the caller's transaction) or an engine."""

CAMERA_CODE = select(cameras.c.code).where(cameras.c.id == reads.c.camera_id).scalar_subquery()
"""The code of a read's camera, looked up for each row a search returns.

A lookup, not a join: PostgreSQL estimates a partial-plate search's reads as the product of
two independent conditions (the plate's pieces, then its LIKE), about one row, and so joined the
3,000 it really found to the 400 cameras by comparing every pair, 260 of a 375 ms search on 10
million reads. A lookup by the cameras' key costs the same for every row whatever the estimate,
and after a limit only the rows kept are looked up. Reads fetched by their keys (a result's
page, its map, its export) are estimated at one row too, and are looked up the same way.
"""

CAMERA_NAME = select(cameras.c.name).where(cameras.c.id == reads.c.camera_id).scalar_subquery()
"""The name of a read's camera, looked up as ``CAMERA_CODE`` is."""

HIT_COLUMNS = (
    reads.c.id,
    reads.c.plate,
    reads.c.captured_at,
    CAMERA_CODE.label("camera"),
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
    """Reads narrowed by ``filters``, as hits; no order and no limit yet."""
    return narrow(select(*HIT_COLUMNS, *extra), filters)


def select_plates(filters: Filters) -> Select[Any]:
    """The distinct plates of the reads that pass ``filters``."""
    return narrow(select(reads.c.plate).distinct(), filters)


def narrow(query: Select[Any], filters: Filters) -> Select[Any]:
    """Add the filters' conditions to a select from reads.

    Cameras are named by code but matched by id, so no search needs to join cameras. The
    running inquiry's scope comes first: whose reads it may see (``scope.py``).
    """
    query = query.where(*visible())
    if filters.start is not None:
        query = query.where(reads.c.captured_at >= filters.start)
    if filters.end is not None:
        query = query.where(reads.c.captured_at < filters.end)
    if filters.cameras:
        wanted = select(cameras.c.id).where(cameras.c.code.in_(filters.cameras))
        query = query.where(reads.c.camera_id.in_(wanted))
    if filters.region is not None:
        query = query.where(func.lower(reads.c.region) == filters.region)
    if filters.min_confidence is not None:
        query = query.where(reads.c.confidence >= filters.min_confidence)
    for column, value in filters.vehicle().items():
        query = query.where(reads.c[column] == value)
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


H = TypeVar("H", ReadHit, ResultKey)


@dataclass(frozen=True)
class HitShape(Generic[H]):
    """What a search selects of each read it finds, and how a row becomes its hit."""

    select_reads: Callable[[Filters], Select[Any]]
    hit: Callable[[Any, float | None], H]


HITS: HitShape[ReadHit] = HitShape(select_hits, lambda row, score: to_hit(row, score=score))
"""Whole hits: the API, the console, exports."""
KEYS: HitShape[ResultKey] = HitShape(
    lambda filters: narrow(select(reads.c.id, reads.c.captured_at), filters),
    lambda row, score: ResultKey(row[0], as_utc(row[1]), score),
)
"""Keys and scores only: what a web page's kept result set holds (``ResultKey``)."""
