"""Grid searches: the same circle and polygon on both back-ends, within a time window."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.grid import search_polygon, search_radius
from plateward.search.justification import Justification

AddRead = Callable[..., uuid.UUID]
Point = tuple[float, float]
HOUR = dt.timedelta(hours=1)


def test_radius_boundary_and_distances(
    engine: Engine,
    add_read: AddRead,
    why: Justification,
    moved: Callable[..., Point],
    base: Point,
    t0: dt.datetime,
) -> None:
    add_read("IN900N", where=moved(north_m=900), at=t0 + HOUR)
    add_read("IN999S", where=moved(north_m=-999), at=t0)
    add_read("IN950E", where=moved(east_m=950), at=t0 + 2 * HOUR)
    add_read("OUT1100N", where=moved(north_m=1100))
    add_read("OUT1005S", where=moved(north_m=-1005))
    add_read("OUT1100W", where=moved(east_m=-1100))
    add_read("LATE900", where=moved(north_m=900), at=t0 + 5 * HOUR)

    window = Filters(start=t0 - HOUR, end=t0 + 3 * HOUR)
    hits = search_radius(engine, *base, 1000, justification=why, filters=window)

    assert [h.plate for h in hits] == ["IN999S", "IN900N", "IN950E"]  # in time order
    distances = {h.plate: h.distance_m for h in hits}
    assert distances["IN900N"] == pytest.approx(900, abs=0.01)
    assert distances["IN999S"] == pytest.approx(999, abs=0.01)
    assert distances["IN950E"] == pytest.approx(950, abs=0.5)
    two = search_radius(
        engine,
        *base,
        1000,
        justification=why,
        filters=Filters(start=t0 - HOUR, end=t0 + 3 * HOUR, limit=2),
    )
    assert [h.plate for h in two] == ["IN999S", "IN900N"]


def test_grid_needs_a_window_and_a_sane_area(
    engine: Engine, why: Justification, base: Point
) -> None:
    with pytest.raises(InvalidInput, match="time window"):
        search_radius(engine, *base, 1000, justification=why, filters=Filters())
    window = Filters(
        start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    with pytest.raises(InvalidInput, match="radius 0"):
        search_radius(engine, *base, 0, justification=why, filters=window)
    with pytest.raises(InvalidInput, match="latitude 95"):
        search_radius(engine, 95, 0, 10, justification=why, filters=window)


def test_polygon(
    engine: Engine,
    add_read: AddRead,
    why: Justification,
    moved: Callable[..., Point],
    t0: dt.datetime,
) -> None:
    # An L-shaped block 2 km across: the notch in its north-east corner is outside.
    corners = [
        moved(0, 0),
        moved(0, 2000),
        moved(1000, 2000),
        moved(1000, 1000),
        moved(2000, 1000),
        moved(2000, 0),
    ]
    add_read("INSW", where=moved(500, 500))
    add_read("INSE", where=moved(500, 1500))
    add_read("INNW", where=moved(1500, 500), camera="POLE-2")
    add_read("NOTCH", where=moved(1500, 1500))
    add_read("SOUTH", where=moved(-100, 500))
    add_read("EARLY", where=moved(500, 500), at=t0 - 2 * HOUR)

    window = Filters(start=t0 - HOUR, end=t0 + HOUR)
    found = search_polygon(engine, corners, justification=why, filters=window)
    assert {h.plate for h in found} == {"INSW", "INSE", "INNW"}
    assert all(h.distance_m is None for h in found)
    pole2 = Filters(start=t0 - HOUR, end=t0 + HOUR, cameras=("POLE-2",))
    only = search_polygon(engine, list(reversed(corners)), justification=why, filters=pole2)
    assert [h.plate for h in only] == ["INNW"]
