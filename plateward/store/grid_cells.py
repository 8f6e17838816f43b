"""Grid cells: reads filed by a coarse square of the map and by time, for grid searches.

A grid search asks for a small place and a short window: 1 km and 2 hours of 90 days over a
county is one read in millions. Neither a latitude/longitude index nor PostGIS's GiST index
holds time, so both fetch every read ever made near the place (tens of thousands at a busy
pole) to keep the few in the window; a time index alone fetches every read of the window,
county-wide. An index on (cell, captured_at), with a cell a hundredth of a degree on each
side (about 1.1 km by 0.9 km here), answers with a few short range scans, one per cell the
area touches.

The cell is an expression index, not a column: nothing to fill in on insert, and the same
function computed here picks the cells to scan. Both back-ends truncate toward zero (SQLite's
CAST does; PostgreSQL's CAST rounds, so its expression truncates first), as Python's ``int``
does, so a read is always in the cell this module names for it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Integer, literal_column

CELLS_PER_DEGREE = 100
LONGITUDE_SPAN = 100_000
"""Cell numbers are lat_cell * LONGITUDE_SPAN + lon_cell; |lon_cell| <= 18,000 never overlaps."""

MAX_CELLS = 2_500
"""Above this (an area about 50 km across) the time index alone is the cheaper plan."""

_CELL_SQL = {
    "sqlite": (
        f"CAST({{table}}latitude * {CELLS_PER_DEGREE} AS INTEGER) * {LONGITUDE_SPAN}"
        f" + CAST({{table}}longitude * {CELLS_PER_DEGREE} AS INTEGER)"
    ),
    "postgresql": (
        f"CAST(trunc({{table}}latitude * {CELLS_PER_DEGREE}) AS integer) * {LONGITUDE_SPAN}"
        f" + CAST(trunc({{table}}longitude * {CELLS_PER_DEGREE}) AS integer)"
    ),
}


def cell_sql(dialect: str, table: str = "") -> str:
    """The indexed expression as migration 0008 wrote it; ``table`` qualifies the columns."""
    return _CELL_SQL[dialect].format(table=f"{table}." if table else "")


def cell_of(latitude: float, longitude: float) -> int:
    return int(latitude * CELLS_PER_DEGREE) * LONGITUDE_SPAN + int(longitude * CELLS_PER_DEGREE)


def cell_column(connection: Connection) -> ColumnElement[int]:
    """The reads' cell, in SQL the database matches to the index (cameras have a latitude too)."""
    return literal_column(cell_sql(connection.dialect.name, "reads"), Integer)


def cells_covering(south: float, north: float, west: float, east: float) -> list[int] | None:
    """Every cell a point inside the box can be in; None when there are over MAX_CELLS.

    ``west > east`` is a box across the antimeridian. Truncation never decreases as its
    argument grows, so the cells of the box's points are exactly the whole numbers between
    the cells of its edges.
    """
    rows = range(_index(south), _index(north) + 1)
    if west <= east:
        columns = list(range(_index(west), _index(east) + 1))
    else:
        columns = [
            *range(_index(west), _index(180.0) + 1),
            *range(_index(-180.0), _index(east) + 1),
        ]
    if len(rows) * len(columns) > MAX_CELLS:
        return None
    return [row * LONGITUDE_SPAN + column for row in rows for column in columns]


def _index(degrees: float) -> int:
    return int(degrees * CELLS_PER_DEGREE)
