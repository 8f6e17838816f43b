"""Grid searches: the reads near a point, or inside a polygon, within a time window.

A grid search asks who was at a place, so it always needs a window: "every car that ever passed
this corner" is not an investigative question, and on a busy road it is millions of reads.

Both back-ends first narrow to the grid cells around the area within the window, by the
(cell, captured_at) index (store/grid_cells.py). PostgreSQL then applies the exact test with
PostGIS on the ``location`` column; SQLite keeps the reads inside a box around the area and
the exact test (great-circle distance, point in polygon) runs here on what is left. Both draw
the same circle (see ``geo``). Results come in the order they were seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, and_, func, literal_column, or_

from plateward.search.filters import Filters
from plateward.search.geo import (
    Box,
    bounding_box,
    check_point,
    check_polygon,
    check_radius,
    distance_m,
    in_polygon,
    polygon_box,
    polygon_wkt,
)
from plateward.search.justification import Justification, require_justification
from plateward.search.query import Bind, connected, select_hits, to_hit
from plateward.search.results import ReadHit
from plateward.store.database import is_postgres
from plateward.store.grid_cells import cell_column, cells_covering
from plateward.store.schema import reads

LOCATION: ColumnElement[Any] = literal_column("reads.location")
"""PostGIS's generated geography column; the migration adds it, the table definition cannot."""


def search_radius(
    bind: Bind,
    latitude: float,
    longitude: float,
    radius_m: float,
    *,
    justification: Justification,
    filters: Filters,
) -> list[ReadHit]:
    """Reads within ``radius_m`` metres of a point (edge included), each with its distance."""
    require_justification(justification)
    check_point(latitude, longitude)
    check_radius(radius_m)
    filters.require_window("grid search")
    with connected(bind) as connection:
        found = reads_within(connection, latitude, longitude, radius_m, filters, filters.limit)
        return list(found)


def search_polygon(
    bind: Bind,
    vertices: Sequence[tuple[float, float]],
    *,
    justification: Justification,
    filters: Filters,
) -> list[ReadHit]:
    """Reads inside a polygon of (latitude, longitude) vertices, edges included."""
    require_justification(justification)
    points = check_polygon(vertices)
    filters.require_window("grid search")
    with connected(bind) as connection:
        return list(_reads_inside(connection, points, filters, filters.limit))


def reads_within(
    connection: Connection,
    latitude: float,
    longitude: float,
    radius_m: float,
    filters: Filters,
    limit: int | None,
) -> Iterator[ReadHit]:
    """The first ``limit`` reads (all, for None) within the radius that pass ``filters``."""
    if is_postgres(connection.engine):
        point = func.ST_GeogFromText(f"SRID=4326;POINT({longitude!r} {latitude!r})")
        # use_spheroid=false: the sphere, so PostgreSQL and SQLite agree to the millimetre.
        distance = func.ST_Distance(LOCATION, point, False, type_=Float)
        query = select_hits(filters, distance.label("distance_m")).where(
            func.ST_DWithin(LOCATION, point, radius_m, False),
            *_in_cells(connection, bounding_box(latitude, longitude, radius_m)),
        )
        for row in _rows(connection, _in_time_order(query).limit(limit), None):
            yield to_hit(row, distance_m=float(row.distance_m))
        return
    box = bounding_box(latitude, longitude, radius_m)
    query = select_hits(filters).where(_in_box(box), *_in_cells(connection, box))

    def near(row: Any) -> bool:
        return distance_m(latitude, longitude, row.latitude, row.longitude) <= radius_m

    for row in _rows(connection, _in_time_order(query), limit, near):
        yield to_hit(row, distance_m=distance_m(latitude, longitude, row.latitude, row.longitude))


def _reads_inside(
    connection: Connection,
    points: tuple[tuple[float, float], ...],
    filters: Filters,
    limit: int | None,
) -> Iterator[ReadHit]:
    if is_postgres(connection.engine):
        area = func.ST_GeogFromText("SRID=4326;" + polygon_wkt(points))
        query = select_hits(filters).where(
            func.ST_Covers(area, LOCATION), *_in_cells(connection, polygon_box(points))
        )
        for row in _rows(connection, _in_time_order(query).limit(limit), None):
            yield to_hit(row)
        return
    box = polygon_box(points)
    query = select_hits(filters).where(_in_box(box), *_in_cells(connection, box))

    def inside(row: Any) -> bool:
        return in_polygon(row.latitude, row.longitude, points)

    for row in _rows(connection, _in_time_order(query), limit, inside):
        yield to_hit(row)


def _rows(
    connection: Connection,
    query: Any,
    limit: int | None,
    keep: Callable[[Any], bool] | None = None,
) -> Iterator[Any]:
    """The rows ``keep`` accepts, up to ``limit``; the cursor is closed however it ends."""
    result = connection.execute(query)
    try:
        kept = 0
        for row in result:
            if keep is None or keep(row):
                yield row
                kept += 1
                if limit is not None and kept >= limit:
                    return
    finally:
        result.close()


def _in_cells(connection: Connection, box: Box) -> list[ColumnElement[bool]]:
    """The cells condition, or none for an area so wide that the time index is cheaper."""
    cells = cells_covering(box.south, box.north, box.west, box.east)
    return [] if cells is None else [cell_column(connection).in_(cells)]


def _in_box(box: Box) -> Any:
    latitude = reads.c.latitude.between(box.south, box.north)
    if box.west <= box.east:
        return and_(latitude, reads.c.longitude.between(box.west, box.east))
    return and_(latitude, or_(reads.c.longitude >= box.west, reads.c.longitude <= box.east))


def _in_time_order(query: Any) -> Any:
    return query.order_by(reads.c.captured_at, reads.c.id)
