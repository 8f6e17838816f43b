"""Stakeout: plates seen at several scenes, each in its own window."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.justification import Justification
from plateward.search.results import Area
from plateward.search.stakeout import search_stakeout

AddRead = Callable[..., uuid.UUID]
Point = tuple[float, float]
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_plates_seen_at_several_scenes(
    engine: Engine,
    add_read: AddRead,
    why: Justification,
    moved: Callable[..., Point],
    t0: dt.datetime,
) -> None:
    scenes = [moved(0, 0), moved(5000, 0), moved(0, 8000)]
    areas = [
        Area(*scene, 300, t0 + i * DAY - HOUR, t0 + i * DAY + HOUR)
        for i, scene in enumerate(scenes)
    ]
    near = [moved(100, 0, origin=scene) for scene in scenes]

    for i in range(3):
        add_read("ALL3", where=near[i], at=t0 + i * DAY)
    add_read("ALL3", where=near[0], at=t0 + dt.timedelta(minutes=10))
    add_read("TWO13", where=near[0], at=t0)
    add_read("TWO13", where=near[2], at=t0 + 2 * DAY)
    add_read("ONCE", where=near[1], at=t0 + DAY)
    add_read("WRONGDAY", where=near[0], at=t0)
    add_read("WRONGDAY", where=near[1], at=t0)  # at scene 2, but on scene 1's day
    add_read("TOOFAR", where=near[0], at=t0)
    add_read("TOOFAR", where=moved(400, 0, origin=scenes[1]), at=t0 + DAY)

    found = search_stakeout(engine, areas, justification=why)

    assert [(c.plate, c.areas) for c in found] == [("ALL3", (0, 1, 2)), ("TWO13", (0, 2))]
    assert [r.captured_at for r in found[0].reads] == sorted(r.captured_at for r in found[0].reads)
    assert len(found[0].reads) == 4
    three = search_stakeout(engine, areas, justification=why, min_areas=3)
    assert [c.plate for c in three] == ["ALL3"]
    capped = search_stakeout(engine, areas, justification=why, filters=Filters(limit=1))
    assert [c.plate for c in capped] == ["ALL3"]


def test_stakeout_needs_two_areas_with_windows(
    engine: Engine, why: Justification, base: Point, t0: dt.datetime
) -> None:
    area = Area(*base, 300, t0, t0 + HOUR)
    with pytest.raises(InvalidInput, match="between 2 and"):
        search_stakeout(engine, [area], justification=why)
    with pytest.raises(InvalidInput, match="minimum areas 3"):
        search_stakeout(engine, [area, area], justification=why, min_areas=3)
    backwards = Area(*base, 300, t0 + HOUR, t0)
    with pytest.raises(InvalidInput, match="stakeout area 2: time range"):
        search_stakeout(engine, [area, backwards], justification=why)
