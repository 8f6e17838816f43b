"""Grid cells: every read of an area is in a cell the search scans, on both back-ends."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select

from plateward.search.filters import Filters
from plateward.search.geo import bounding_box
from plateward.search.grid import search_radius
from plateward.search.justification import Justification
from plateward.store.grid_cells import MAX_CELLS, cell_column, cell_of, cells_covering
from plateward.store.schema import reads

latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-180.0, 180.0)


@settings(max_examples=400)
@given(latitudes, longitudes, st.floats(1.0, 20_000.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_every_point_of_a_box_is_in_a_covering_cell(
    latitude: float, longitude: float, radius_m: float, u: float, v: float
) -> None:
    box = bounding_box(latitude, longitude, radius_m)
    cells = cells_covering(box.south, box.north, box.west, box.east)
    if cells is None:
        return
    point_lat = box.south + u * (box.north - box.south)
    if box.west <= box.east:
        point_lon = box.west + v * (box.east - box.west)
    else:  # across the antimeridian
        span = box.east + 360.0 - box.west
        point_lon = box.west + v * span
        point_lon = point_lon - 360.0 if point_lon > 180.0 else point_lon
    assert cell_of(point_lat, point_lon) in cells
    assert cell_of(box.south, box.west) in cells and cell_of(box.north, box.east) in cells


def test_a_wide_area_falls_back_to_the_time_index() -> None:
    assert cells_covering(30.0, 40.0, -125.0, -115.0) is None
    small = cells_covering(38.5, 38.52, -121.51, -121.49)
    assert small is not None and 0 < len(small) <= MAX_CELLS


def test_the_database_files_each_read_in_the_cell_python_names(
    engine: Engine, add_read: Callable[..., uuid.UUID]
) -> None:
    # Negative and positive coordinates, exact cell edges, and points just either side of them.
    points = [
        (38.5816, -121.4944),
        (-33.8688, 151.2093),
        (38.57, -121.49),
        (38.5699999, -121.4900001),
        (0.005, -0.005),
        (-0.0, 0.0),
        (89.999, 179.999),
        (-89.999, -179.999),
    ]
    for k, point in enumerate(points):
        add_read(f"CELL{k}", where=point)
    with engine.connect() as connection:
        rows = connection.execute(
            select(reads.c.latitude, reads.c.longitude, cell_column(connection).label("cell"))
        ).all()
    assert len(rows) == len(points)
    for row in rows:
        assert row.cell == cell_of(row.latitude, row.longitude), (row.latitude, row.longitude)


def test_sqlite_plans_grid_searches_on_the_cell_index(
    engine: Engine, add_read: Callable[..., uuid.UUID], why: Justification
) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner chooses by its statistics; bench/search.py measures it
    t0 = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    add_read("GRID1", where=(38.5816, -121.4944), at=t0)
    window = Filters(start=t0 - dt.timedelta(hours=1), end=t0 + dt.timedelta(hours=1))
    executed: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, parameters: Any, *_: object) -> None:
        executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        hits = search_radius(engine, 38.5816, -121.4944, 1000, justification=why, filters=window)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [h.plate for h in hits] == ["GRID1"]
    statement, parameters = next((s, p) for s, p in executed if "reads.latitude * 100" in s)
    with engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    assert any("ix_reads_cell_captured_at" in str(step) for step in plan), plan
