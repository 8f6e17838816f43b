"""What the image store records of the reads naming each image, which retention relies on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import delete, select

from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.schema import images

T = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def picture() -> bytes:
    image = np.full((30, 90, 3), 128, np.uint8)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


def test_a_second_read_marks_the_image_shared_and_widens_its_range(
    database_url: str, tmp_path: Path
) -> None:
    engine = open_database(database_url)
    upgrade(engine)
    store = ImageStore(tmp_path / "images")
    data = picture()
    with engine.begin() as connection:
        digest = store.put(connection, data, "crop", captured_at=T)
        row = connection.execute(select(images).where(images.c.sha256 == digest)).one()
        assert (row.shared, row.first_captured_at, row.last_captured_at) == (False, T, T)
        store.put(connection, data, "crop", captured_at=T + HOUR)
        store.put(connection, data, "crop", captured_at=T - HOUR)
        store.put(connection, data, "crop", captured_at=T)
        row = connection.execute(select(images).where(images.c.sha256 == digest)).one()
        assert (row.shared, row.first_captured_at, row.last_captured_at) == (
            True, T - HOUR, T + HOUR,
        )  # fmt: skip

    # Destroyed meanwhile (row and file gone, as retention leaves them): stored anew.
    with engine.begin() as connection:
        connection.execute(delete(images).where(images.c.sha256 == digest))
    store.path(digest).unlink()
    with engine.begin() as connection:
        assert store.put(connection, data, "crop", captured_at=T) == digest
        row = connection.execute(select(images).where(images.c.sha256 == digest)).one()
        assert (row.shared, row.first_captured_at) == (False, T)
    assert store.get(digest) == data
    engine.dispose()
