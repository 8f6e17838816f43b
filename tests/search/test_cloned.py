"""Cloned plates: consecutive reads no single vehicle could have made."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.search.cloned import search_cloned
from plateward.search.filters import Filters
from plateward.search.justification import Justification

AddRead = Callable[..., uuid.UUID]
Point = tuple[float, float]
MINUTE = dt.timedelta(minutes=1)


def test_impossible_journeys_are_flagged(
    engine: Engine,
    add_read: AddRead,
    why: Justification,
    moved: Callable[..., Point],
    t0: dt.datetime,
) -> None:
    # 6CLONE: 50 km north in 10 minutes (300 km/h), then back home an hour later (fine).
    a = add_read("6CLONE", at=t0, where=moved(0))
    b = add_read("6CLONE", at=t0 + 10 * MINUTE, where=moved(50_000), camera="POLE-2")
    add_read("6CLONE", at=t0 + 70 * MINUTE, where=moved(0))
    # 4HONEST: 50 km in 30 minutes is 100 km/h.
    add_read("4HONEST", at=t0, where=moved(0))
    add_read("4HONEST", at=t0 + 30 * MINUTE, where=moved(50_000))
    # 5NOISE: 800 m apart at the same instant: GPS noise or two cameras at one junction.
    add_read("5NOISE", at=t0, where=moved(0))
    add_read("5NOISE", at=t0, where=moved(800), camera="UNIT-7")
    # 3TWINS: two places 20 km apart at the same instant.
    c = add_read("3TWINS", at=t0 + MINUTE, where=moved(0))
    d = add_read("3TWINS", at=t0 + MINUTE, where=moved(0, 20_000), camera="POLE-3")

    one = search_cloned(engine, "6clone", justification=why)
    assert len(one) == 1
    pair = one[0]
    assert (pair.first.id, pair.second.id, pair.second.camera) == (a, b, "POLE-2")
    assert pair.distance_m == pytest.approx(50_000, abs=1)
    assert pair.elapsed_s == 600
    assert pair.speed_kmh == pytest.approx(300, abs=0.1)

    window = Filters(start=t0 - MINUTE, end=t0 + 2 * dt.timedelta(hours=1))
    every = search_cloned(engine, justification=why, filters=window)
    assert [p.plate for p in every] == ["3TWINS", "6CLONE"]
    twins = every[0]
    assert {twins.first.id, twins.second.id} == {c, d}
    assert math.isinf(twins.speed_kmh)
    slower = search_cloned(engine, justification=why, filters=window, max_speed_kmh=400)
    assert [p.plate for p in slower] == ["3TWINS"]
    assert search_cloned(engine, "4HONEST", justification=why, max_speed_kmh=90)
    assert search_cloned(engine, "5NOISE", justification=why, min_distance_m=500)


def test_all_plates_needs_a_window(engine: Engine, why: Justification) -> None:
    with pytest.raises(InvalidInput, match="time window"):
        search_cloned(engine, justification=why)
    with pytest.raises(InvalidInput, match="maximum speed"):
        search_cloned(engine, "6CLONE", justification=why, max_speed_kmh=0)
