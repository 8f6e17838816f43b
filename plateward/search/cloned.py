"""Cloned-plate check: one plate read at two places no single vehicle could have driven between.

Consecutive reads of a plate (after the filters) are compared: if the straight-line distance
between them, over the time between them, is faster than ``max_speed_kmh``, two vehicles are
probably carrying the same plate (or one of the reads is wrong). Pairs closer than
``min_distance_m`` are never flagged: two cameras at one junction, or GPS noise on a patrol car,
can put a few hundred metres between reads seconds apart.

The database pairs each read with the one before it (``LAG``, on both back-ends) and drops the
pairs whose distance cannot reach ``min_distance_m`` by a cheap upper bound; the exact
great-circle test runs here on the few pairs left.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Float, func, select

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.geo import EARTH_RADIUS_M, distance_m
from plateward.search.justification import Justification, require_justification
from plateward.search.plates import NO_FILTERS, plate_text
from plateward.search.query import CAMERA_CODE, Bind, as_utc, connected, select_hits
from plateward.search.results import ClonePair, ReadHit
from plateward.store.schema import reads

DEFAULT_MAX_SPEED_KMH = 200.0
DEFAULT_MIN_DISTANCE_M = 1000.0

_CARRIED_COLUMNS = {
    "id": reads.c.id,
    "captured_at": reads.c.captured_at,
    "camera": CAMERA_CODE,
    "latitude": reads.c.latitude,
    "longitude": reads.c.longitude,
    "confidence": reads.c.confidence,
    "region": reads.c.region,
    "plate_image": reads.c.plate_image,
}


def search_cloned(
    bind: Bind,
    plate: str | None = None,
    *,
    justification: Justification,
    filters: Filters = NO_FILTERS,
    max_speed_kmh: float = DEFAULT_MAX_SPEED_KMH,
    min_distance_m: float = DEFAULT_MIN_DISTANCE_M,
) -> list[ClonePair]:
    """Impossible journeys of one plate, or of every plate in the filters' time window.

    Pairs come by plate, then in time order; ``filters.limit`` caps the number of pairs.
    """
    require_justification(justification)
    if not (math.isfinite(max_speed_kmh) and max_speed_kmh > 0):
        raise InvalidInput(f"maximum speed {max_speed_kmh} km/h: must be over 0")
    if not (math.isfinite(min_distance_m) and min_distance_m >= 0):
        raise InvalidInput(f"minimum distance {min_distance_m} m: must be 0 or more")
    query = select_hits(filters)
    if plate is None:
        filters.require_window("cloned-plate check of all plates")
    else:
        query = query.where(reads.c.plate == plate_text(plate))
    pairs: list[ClonePair] = []
    with connected(bind) as connection:
        for first, second in _far_pairs(connection, query, min_distance_m):
            pair = _judge(first, second, max_speed_kmh, min_distance_m)
            if pair is not None:
                pairs.append(pair)
                if len(pairs) >= filters.limit:
                    break
    return pairs


def _far_pairs(
    connection: Connection, query: Any, min_distance_m: float
) -> Iterator[tuple[ReadHit, ReadHit]]:
    order = (reads.c.captured_at, reads.c.id)
    previous = [
        func.lag(column, type_=column.type)
        .over(partition_by=reads.c.plate, order_by=order)
        .label(f"prev_{name}")
        for name, column in _CARRIED_COLUMNS.items()
    ]
    paired = query.add_columns(*previous).subquery()
    # R * (|dlat| + |dlon|) in radians bounds the great-circle distance from above (along a
    # meridian, then a parallel), so no pair far enough apart is lost by this test.
    bound = (
        func.abs(paired.c.latitude - paired.c.prev_latitude)
        + func.abs(paired.c.longitude - paired.c.prev_longitude)
    ) * (math.pi / 180 * EARTH_RADIUS_M)
    statement = (
        select(paired)
        .where(paired.c.prev_id.is_not(None), bound.cast(Float) > min_distance_m)
        .order_by(paired.c.plate, paired.c.captured_at, paired.c.id)
    )
    result = connection.execute(statement)
    try:
        for row in result:
            yield _hit(row, ""), _hit(row, "prev_")
    finally:
        result.close()


def _hit(row: Any, prefix: str) -> ReadHit:
    m = row._mapping
    return ReadHit(
        id=m[prefix + "id"],
        plate=m["plate"],
        captured_at=as_utc(m[prefix + "captured_at"]),
        camera=m[prefix + "camera"],
        latitude=m[prefix + "latitude"],
        longitude=m[prefix + "longitude"],
        confidence=m[prefix + "confidence"],
        region=m[prefix + "region"],
        plate_image=m[prefix + "plate_image"],
    )


def _judge(
    later: ReadHit, earlier: ReadHit, max_speed_kmh: float, min_distance_m: float
) -> ClonePair | None:
    apart = distance_m(earlier.latitude, earlier.longitude, later.latitude, later.longitude)
    if apart <= min_distance_m:
        return None
    elapsed = (later.captured_at - earlier.captured_at).total_seconds()
    speed = math.inf if elapsed <= 0 else apart / elapsed * 3.6
    if speed <= max_speed_kmh:
        return None
    return ClonePair(
        plate=later.plate,
        first=earlier,
        second=later,
        distance_m=apart,
        elapsed_s=elapsed,
        speed_kmh=speed,
    )
