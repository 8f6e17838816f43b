"""Distances, boxes and polygons: the exact tests SQLite's results pass through."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.search.geo import (
    EARTH_RADIUS_M,
    bounding_box,
    check_polygon,
    distance_m,
    in_polygon,
    polygon_wkt,
)


def test_distance_along_a_meridian_is_the_arc() -> None:
    one_km_north = 38.5 + math.degrees(1000 / EARTH_RADIUS_M)
    assert distance_m(38.5, -121.5, one_km_north, -121.5) == pytest.approx(1000, abs=1e-6)
    # One degree of longitude on the equator, about 111.2 km.
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)


@given(
    lat=st.floats(-85, 85),
    lon=st.floats(-180, 180),
    radius=st.floats(1, 100_000),
    bearing=st.floats(0, 2 * math.pi),
    share=st.floats(0, 1),
)
def test_the_box_holds_the_whole_circle(
    lat: float, lon: float, radius: float, bearing: float, share: float
) -> None:
    # A point inside the circle, found by walking from the centre along a great circle.
    delta = radius * share / EARTH_RADIUS_M
    phi, lam = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    plat, plon = math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180
    box = bounding_box(lat, lon, radius)
    assert box.south <= plat <= box.north
    if box.west <= box.east:
        assert box.west <= plon <= box.east
    else:  # across the antimeridian
        assert plon >= box.west or plon <= box.east


SQUARE = [(38.0, -121.0), (38.0, -120.0), (39.0, -120.0), (39.0, -121.0)]


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (38.5, -120.5, True),
        (38.0, -120.5, True),  # on an edge
        (39.0, -121.0, True),  # a vertex
        (39.01, -120.5, False),
        (38.5, -119.99, False),
    ],
)
def test_points_in_a_square(lat: float, lon: float, inside: bool) -> None:
    assert in_polygon(lat, lon, SQUARE) is inside


def test_a_concave_polygon() -> None:
    ell = [(0, 0), (0, 2), (1, 2), (1, 1), (2, 1), (2, 0)]
    assert in_polygon(0.5, 1.5, ell)
    assert in_polygon(1.5, 0.5, ell)
    assert not in_polygon(1.5, 1.5, ell)


def test_polygons_are_checked_and_closed() -> None:
    assert check_polygon([*SQUARE, SQUARE[0]]) == tuple(SQUARE)
    with pytest.raises(InvalidInput, match="at least 3"):
        check_polygon(SQUARE[:2])
    with pytest.raises(InvalidInput, match="vertex 2: latitude 91"):
        check_polygon([(0, 0), (91, 0), (0, 1)])
    with pytest.raises(InvalidInput, match="180 degrees"):
        check_polygon([(0, -100), (0, 100), (1, 0)])
    wkt = polygon_wkt(list(reversed(SQUARE)))
    assert wkt.startswith("POLYGON((-121.0 38.0, -120.0 38.0")
    assert wkt.endswith("-121.0 38.0))")
