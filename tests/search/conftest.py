"""A migrated database on each back-end with four cameras, and factories for reads and places.

The factories are fixtures rather than importable helpers because the suite runs with
``--import-mode=importlib``, where test modules cannot import one another.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from plateward.search.geo import EARTH_RADIUS_M
from plateward.search.justification import Justification
from plateward.store.cameras import add_camera, camera_by_code, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, store_reads

BASE = (38.5816, -121.4944)
"""Where the test reads happen unless a test moves them."""

T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
"""When they happen unless a test says otherwise."""

Point = tuple[float, float]


@pytest.fixture
def base() -> Point:
    return BASE


@pytest.fixture
def t0() -> dt.datetime:
    return T0


@pytest.fixture
def why() -> Justification:
    return Justification("26-004211", "burglary series, suspect vehicle")


@pytest.fixture
def moved() -> Callable[..., Point]:
    """A function giving the point so many metres north and east of BASE (or ``origin``)."""

    def move(north_m: float = 0.0, east_m: float = 0.0, origin: Point = BASE) -> Point:
        # Along a meridian the sphere's distance is exact; east offsets are exact only for
        # points on one parallel, so tests measure their distances along a single axis.
        lat = origin[0] + math.degrees(north_m / EARTH_RADIUS_M)
        lon = origin[1] + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
        return lat, lon

    return move


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for code in ("POLE-1", "POLE-2", "POLE-3"):
            add_camera(connection, agency_id=agency, code=code, name=code)
        add_camera(
            connection,
            agency_id=agency,
            code="UNIT-7",
            name="patrol",
            kind="vehicle",
            vehicle_id="7",
        )
    yield engine
    engine.dispose()


@pytest.fixture
def add_read(engine: Engine) -> Callable[..., uuid.UUID]:
    """Store one read; every field has a default so a test names only what it is about."""
    with engine.connect() as connection:
        ids = {
            c: camera_by_code(connection, c).id for c in ("POLE-1", "POLE-2", "POLE-3", "UNIT-7")
        }

    def add(
        plate: str,
        *,
        at: dt.datetime = T0,
        camera: str = "POLE-1",
        where: Point = BASE,
        confidence: float = 0.9,
        region: str | None = "us-ca",
        **extra: Any,
    ) -> uuid.UUID:
        read = NewRead(
            id=uuid.uuid4(),
            captured_at=at,
            plate=plate,
            confidence=confidence,
            latitude=where[0],
            longitude=where[1],
            region=region,
            **extra,
        )
        with engine.begin() as connection:
            store_reads(connection, ids[camera], [read])
        return read.id

    return add
