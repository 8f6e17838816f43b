"""Distances, bounding boxes and polygons on the sphere PostGIS uses, for both back-ends.

Distances are great-circle distances on a sphere of the Earth's mean radius, which is what
PostGIS computes for a geography when asked not to use the spheroid. Both back-ends therefore
draw the same circle: a read is inside a radius on SQLite exactly when it is on PostgreSQL
(the spheroid would differ by up to 0.5%, five metres in a kilometre).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from plateward.errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8
"""Mean radius (IUGG), as PostGIS's sphere."""

MAX_RADIUS_M = 100_000.0


@dataclass(frozen=True)
class Box:
    """A latitude/longitude range that contains a circle; the cheap first test on SQLite."""

    south: float
    north: float
    west: float
    east: float
    """When ``west > east`` the box crosses the antimeridian."""


def check_point(latitude: float, longitude: float, what: str = "point") -> None:
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise InvalidInput(f"{what}: latitude {latitude} is not between -90 and 90")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise InvalidInput(f"{what}: longitude {longitude} is not between -180 and 180")


def check_radius(radius_m: float, what: str = "radius") -> None:
    if not (math.isfinite(radius_m) and 0.0 < radius_m <= MAX_RADIUS_M):
        raise InvalidInput(f"{what} {radius_m} m: must be over 0 and at most {MAX_RADIUS_M:.0f} m")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(latitude: float, longitude: float, radius_m: float) -> Box:
    """A box that surely holds every point within ``radius_m`` (slightly larger, never smaller)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.001
    south, north = latitude - dlat, latitude + dlat
    if south <= -90.0 or north >= 90.0:
        return Box(max(south, -90.0), min(north, 90.0), -180.0, 180.0)
    # The widest longitude span is at the box's edge nearest a pole, where meridians converge.
    widest = max(abs(south), abs(north))
    ratio = math.sin(radius_m / EARTH_RADIUS_M) / math.cos(math.radians(widest))
    if ratio >= 1.0:
        return Box(south, north, -180.0, 180.0)
    dlon = math.degrees(math.asin(ratio)) * 1.001
    west, east = longitude - dlon, longitude + dlon
    if west < -180.0:
        west += 360.0
    if east > 180.0:
        east -= 360.0
    return Box(south, north, west, east)


MAX_POLYGON_VERTICES = 1000
"""A street grid or a district outline needs tens of vertices; 100,000 took 22 s per search."""


def check_polygon(vertices: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The polygon as (lat, lon) vertices without a repeated closing vertex, checked."""
    if len(vertices) > MAX_POLYGON_VERTICES + 1:
        raise InvalidInput(
            f"polygon: {len(vertices)} vertices, over the {MAX_POLYGON_VERTICES} allowed;"
            " simplify the outline"
        )
    points = tuple((float(lat), float(lon)) for lat, lon in vertices)
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    if len(set(points)) < 3:
        raise InvalidInput("polygon: needs at least 3 distinct vertices")
    for i, (lat, lon) in enumerate(points, 1):
        check_point(lat, lon, f"polygon vertex {i}")
    lons = [lon for _, lon in points]
    if max(lons) - min(lons) >= 180.0:
        raise InvalidInput("polygon: spans 180 degrees of longitude or more; split it in two")
    return points


def polygon_box(points: Sequence[tuple[float, float]]) -> Box:
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    return Box(min(lats), max(lats), min(lons), max(lons))


def in_polygon(latitude: float, longitude: float, points: Sequence[tuple[float, float]]) -> bool:
    """Whether a point is inside the polygon or on its edge, edges drawn straight in lat/lon.

    PostGIS draws a geography polygon's edges as great circles instead; the two differ by about
    two metres in the middle of a 10 km east-west edge, and by centimetres for city blocks.
    """
    inside = False
    n = len(points)
    for i in range(n):
        lat1, lon1 = points[i]
        lat2, lon2 = points[(i - 1) % n]
        if _on_segment(latitude, longitude, lat1, lon1, lat2, lon2):
            return True
        if (lat1 > latitude) != (lat2 > latitude):
            crossing = lon1 + (latitude - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if longitude < crossing:
                inside = not inside
    return inside


def _on_segment(lat: float, lon: float, lat1: float, lon1: float, lat2: float, lon2: float) -> bool:
    cross = (lat2 - lat1) * (lon - lon1) - (lon2 - lon1) * (lat - lat1)
    if abs(cross) > 1e-12:
        return False
    return min(lat1, lat2) <= lat <= max(lat1, lat2) and min(lon1, lon2) <= lon <= max(lon1, lon2)


def polygon_wkt(points: Sequence[tuple[float, float]]) -> str:
    """The polygon as WKT (lon lat order), closed, counter-clockwise as geography expects."""
    ring = list(points)
    if _signed_area(ring) < 0:
        ring.reverse()
    ring.append(ring[0])
    return "POLYGON((" + ", ".join(f"{lon!r} {lat!r}" for lat, lon in ring) + "))"


def _signed_area(ring: Sequence[tuple[float, float]]) -> float:
    total = 0.0
    for i, (lat1, lon1) in enumerate(ring):
        lat2, lon2 = ring[(i + 1) % len(ring)]
        total += lon1 * lat2 - lon2 * lat1
    return total / 2
