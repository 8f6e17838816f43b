"""Stakeout, or common plates: the vehicles seen at several scenes, each in its own window.

A series of burglaries at different addresses and times: a plate read near two or more of them
is a lead. Each area is a radius search in its own time window (with the filters' cameras,
region and confidence), and a plate counts once per area however often it was read there.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from plateward.errors import InvalidInput
from plateward.search.filters import MAX_LIMIT, Filters
from plateward.search.geo import check_point, check_radius
from plateward.search.grid import reads_within
from plateward.search.justification import Justification, require_justification
from plateward.search.plates import NO_FILTERS
from plateward.search.query import Bind, connected
from plateward.search.results import Area, CommonPlate, ReadHit

MAX_AREAS = 20
MAX_READS_PER_AREA = MAX_LIMIT
"""An area with more reads than this is refused as too broad rather than silently cut short."""


def search_stakeout(
    bind: Bind,
    areas: Sequence[Area],
    *,
    justification: Justification,
    filters: Filters = NO_FILTERS,
    min_areas: int = 2,
) -> list[CommonPlate]:
    """Plates read in at least ``min_areas`` of the areas, most areas first, then by plate.

    ``filters.limit`` caps the number of plates; each plate brings all its reads in the areas,
    oldest first. A time range in ``filters`` further narrows every area's window.
    """
    require_justification(justification)
    if not 2 <= len(areas) <= MAX_AREAS:
        raise InvalidInput(f"stakeout: give between 2 and {MAX_AREAS} areas, not {len(areas)}")
    if not 2 <= min_areas <= len(areas):
        raise InvalidInput(
            f"stakeout: minimum areas {min_areas} must be between 2 and the {len(areas)} areas"
        )
    windows = [_area_filters(i, area, filters) for i, area in enumerate(areas, 1)]
    seen: dict[str, set[int]] = defaultdict(set)
    hits: dict[str, dict[object, ReadHit]] = defaultdict(dict)
    with connected(bind) as connection:
        for index, (area, window) in enumerate(zip(areas, windows, strict=True)):
            if window is None:
                continue
            found = list(
                reads_within(
                    connection,
                    area.latitude,
                    area.longitude,
                    area.radius_m,
                    window,
                    MAX_READS_PER_AREA + 1,
                )
            )
            if len(found) > MAX_READS_PER_AREA:
                raise InvalidInput(
                    f"stakeout area {index + 1}: over {MAX_READS_PER_AREA} reads;"
                    " narrow its radius or time window"
                )
            for hit in found:
                seen[hit.plate].add(index)
                hits[hit.plate].setdefault(hit.id, hit)
    common = [plate for plate, where in seen.items() if len(where) >= min_areas]
    common.sort(key=lambda plate: (-len(seen[plate]), plate))
    return [
        CommonPlate(
            plate=plate,
            areas=tuple(sorted(seen[plate])),
            reads=tuple(sorted(hits[plate].values(), key=lambda h: (h.captured_at, str(h.id)))),
        )
        for plate in common[: filters.limit]
    ]


def _area_filters(number: int, area: Area, filters: Filters) -> Filters | None:
    """The filters for one area: its own window within the filters' range; None if empty."""
    check_point(area.latitude, area.longitude, f"stakeout area {number}")
    check_radius(area.radius_m, f"stakeout area {number}: radius")
    try:
        own = Filters(start=area.start, end=area.end)
    except InvalidInput as exc:
        raise InvalidInput(f"stakeout area {number}: {exc.message}") from None
    start, end = own.require_window(f"stakeout area {number}")
    if filters.start is not None:
        start = max(start, filters.start)
    if filters.end is not None:
        end = min(end, filters.end)
    if start >= end:
        return None
    return dataclasses.replace(filters, start=start, end=end, limit=MAX_LIMIT)
