"""A migrated database with cameras to import into, and helpers, as fixtures.

Fixtures rather than importable helpers: the suite runs with ``--import-mode=importlib``,
where test modules cannot import one another.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import Engine, select

from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import cameras, reads


@pytest.fixture
def import_db(settings: Settings) -> Iterator[Engine]:
    """Cameras: POLE-1 and POLE-2 at fixed sites, CAR-7 in a patrol car, all of CCSO; and
    FAR-1 of another agency."""
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        other = ensure_agency(connection, "OPD", "Other Police")
        for code, lat, lon in (("POLE-1", 38.5, -121.5), ("POLE-2", 38.6, -121.4)):
            add_camera(
                connection, agency_id=agency, code=code, name=code, latitude=lat, longitude=lon
            )
        add_camera(
            connection, agency_id=agency, code="CAR-7", name="Unit 7", kind="vehicle",
            vehicle_id="7",
        )  # fmt: skip
        add_camera(connection, agency_id=other, code="FAR-1", name="far", latitude=1, longitude=1)
    yield engine
    engine.dispose()


@pytest.fixture
def stored() -> Callable[[Engine], list[dict[str, Any]]]:
    """Every stored read as a dict, oldest first, with its camera's code as ``camera``."""

    def fetch(engine: Engine) -> list[dict[str, Any]]:
        with engine.connect() as connection:
            rows = connection.execute(
                select(reads, cameras.c.code.label("camera"))
                .join(cameras, cameras.c.id == reads.c.camera_id)
                .order_by(reads.c.captured_at, reads.c.plate)
            )
            out = [dict(r._mapping) for r in rows]
        for read in out:
            moment = read["captured_at"]
            read["captured_at"] = (
                moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
            ).astimezone(dt.UTC)
        return out

    return fetch


@pytest.fixture
def json_lines() -> Callable[..., Path]:
    """Write values as JSON lines (``encoding`` for the bytes) and return the path."""

    def write(path: Path, values: list[Any], encoding: str = "utf-8") -> Path:
        text = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values)
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def jpeg() -> Callable[[int], bytes]:
    """A small real JPEG, different for each seed."""

    def make(seed: int) -> bytes:
        pixels = np.random.default_rng(seed).integers(0, 255, (24, 64, 3), dtype=np.uint8)
        ok, data = cv2.imencode(".jpg", pixels)
        assert ok
        return bytes(data)

    return make


SAMPLES = Path(__file__).with_name("samples")
"""Payloads written for these tests in the shapes the vendors document (docs/import-export.md
names the documentation each follows)."""


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def sample() -> Callable[[str], Any]:
    """A JSON sample, freshly loaded (tests may change it)."""

    def load(name: str) -> Any:
        return json.loads((SAMPLES / name).read_text(encoding="utf-8"))

    return load
