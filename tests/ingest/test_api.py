"""POST /api/v1/reads over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency, revoke_camera
from plateward.store.database import open_database
from plateward.store.schema import images, reads


@pytest.fixture
def camera_key(settings: Settings, server: str) -> str:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="Main St",
            latitude=38.5,
            longitude=-121.5,
        )
    engine.dispose()
    return key


def a_read(**changes: Any) -> dict[str, Any]:
    read = {
        "id": str(uuid.uuid4()),
        "captured_at": "2026-11-20T10:15:00-08:00",
        "plate": "7ABC123",
        "raw_text": "7ABC123",
        "confidence": 0.93,
        "alternatives": [{"plate": "7A8C123", "confidence": 0.04}],
        "region": "us-ca",
        "region_confidence": 0.8,
        "latitude": 38.5816,
        "longitude": -121.4944,
        "heading": 270.0,
    }
    read.update(changes)
    return read


def jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (40, 120, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", pixels)
    assert ok
    return bytes(buf)


def post(server: str, key: str | None, body: Any = None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if body is not None:
        kwargs["json"] = body
    return httpx.post(f"{server}/api/v1/reads", headers=headers, timeout=30, **kwargs)


def stored_count(settings: Settings) -> int:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(reads)).scalar_one()
    engine.dispose()
    return int(count)


def test_a_batch_is_stored_once_however_often_it_is_sent(
    server: str, camera_key: str, settings: Settings
) -> None:
    batch = {"reads": [a_read(), a_read(plate="5XYZ999", captured_at="2026-10-31T23:59:00Z")]}
    first = post(server, camera_key, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": 2, "duplicates": 0, "alerts": 0}
    again = post(server, camera_key, batch)
    assert again.json() == {"stored": 0, "duplicates": 2, "alerts": 0}
    assert stored_count(settings) == 2


def test_stored_read_keeps_its_fields(server: str, camera_key: str, settings: Settings) -> None:
    read = a_read()
    assert post(server, camera_key, {"reads": [read]}).status_code == 200
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        row = connection.execute(select(reads)).one()._mapping
    engine.dispose()
    assert row["id"] == uuid.UUID(read["id"])
    assert row["plate"] == "7ABC123"
    assert row["captured_at"].astimezone(dt.UTC) == dt.datetime(2026, 11, 20, 18, 15, tzinfo=dt.UTC)
    assert row["alternatives"] == [{"plate": "7A8C123", "confidence": 0.04}]
    assert row["region"] == "us-ca"
    assert row["received_at"] is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"plate": "7abc-123"}, "plate"),
        ({"confidence": "high"}, "confidence"),
        ({"captured_at": "2026-11-20T10:15:00"}, "captured_at"),
        ({"id": "not-a-uuid"}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_read_rejects_the_whole_batch_naming_the_field(
    server: str, camera_key: str, settings: Settings, change: dict[str, Any], field: str
) -> None:
    response = post(server, camera_key, {"reads": [a_read(), a_read(**change)]})
    assert response.status_code == 422
    locations = [e["loc"] for e in response.json()["detail"]]
    assert ["reads", 1, field] in locations
    assert stored_count(settings) == 0


def test_a_capture_time_far_in_the_future_is_refused(
    server: str, camera_key: str, settings: Settings
) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    response = post(server, camera_key, {"reads": [a_read(captured_at=future)]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["reads", 0, "captured_at"]
    assert stored_count(settings) == 0


def test_malformed_json_and_empty_batches(server: str, camera_key: str) -> None:
    broken = httpx.post(
        f"{server}/api/v1/reads",
        content=b'{"reads": [',
        headers={"Authorization": f"Bearer {camera_key}", "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert "not valid JSON" in broken.json()["detail"]
    assert post(server, camera_key, {"reads": []}).status_code == 422
    assert post(server, camera_key, [a_read()]).status_code == 422


def test_oversized_batches_and_bodies_are_refused(server: str, camera_key: str) -> None:
    too_many = {"reads": [a_read() for _ in range(1001)]}
    response = post(server, camera_key, too_many)
    assert response.status_code == 413
    assert "1001 reads" in response.json()["detail"]
    huge = base64.b64encode(b"\xff\xd8\xff" + bytes(6_000_000)).decode()
    response = post(server, camera_key, {"reads": [a_read(plate_image=huge)]})
    assert response.status_code == 413
    assert post(server, camera_key, {"reads": [a_read()]}).status_code == 200


@pytest.mark.parametrize("key", [None, "pwc_not-a-key", "Basic abc"])
def test_unknown_or_missing_keys_are_refused(server: str, camera_key: str, key: str | None) -> None:
    response = post(server, key, {"reads": [a_read()]})
    assert response.status_code == 401


def test_a_revoked_camera_is_refused(server: str, camera_key: str, settings: Settings) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        revoke_camera(connection, "POLE-1")
    engine.dispose()
    response = post(server, camera_key, {"reads": [a_read()]})
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]
    assert stored_count(settings) == 0


def test_images_as_base64_and_as_multipart_parts(
    server: str, camera_key: str, settings: Settings
) -> None:
    crop, context = jpeg(1), jpeg(2)
    as_json = a_read(plate_image=base64.b64encode(crop).decode())
    assert post(server, camera_key, {"reads": [as_json]}).status_code == 200
    in_parts = a_read(plate_image="part:crop", context_image="part:context")
    response = httpx.post(
        f"{server}/api/v1/reads",
        headers={"Authorization": f"Bearer {camera_key}"},
        data={"batch": json.dumps({"reads": [in_parts]})},
        files={
            "crop": ("crop.jpg", crop, "image/jpeg"),
            "context": ("c.jpg", context, "image/jpeg"),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        stored = set(connection.execute(select(images.c.sha256)).scalars())
        refs = connection.execute(select(reads.c.plate_image, reads.c.context_image)).all()
    engine.dispose()
    crop_sha, context_sha = hashlib.sha256(crop).hexdigest(), hashlib.sha256(context).hexdigest()
    assert stored == {crop_sha, context_sha}  # the same crop twice is kept once
    assert sorted(refs, key=str) == sorted([(crop_sha, None), (crop_sha, context_sha)], key=str)
    folder = settings.data_dir / "images"
    assert (folder / crop_sha[:2] / crop_sha[2:4] / crop_sha).read_bytes() == crop


def test_bad_images_are_refused_and_nothing_is_stored(
    server: str, camera_key: str, settings: Settings
) -> None:
    for value in ("%%%", base64.b64encode(b"GIF89a....").decode(), "part:missing"):
        response = post(server, camera_key, {"reads": [a_read(), a_read(plate_image=value)]})
        assert response.status_code == 422, value
        assert "reads.1.plate_image" in response.json()["detail"]
    assert stored_count(settings) == 0


def test_openapi_describes_the_ingest_route(
    server: str, settings: Settings, make_token: Callable[..., str]
) -> None:
    assert httpx.get(f"{server}/openapi.json").status_code == 401  # not for anyone passing by
    token = make_token(settings.database_url(), "user")
    spec = httpx.get(f"{server}/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert "/api/v1/reads" in spec["paths"]
    assert "ReadBatch" in spec["components"]["schemas"]


def test_images_are_decoded_before_they_are_stored(
    settings: Settings, server: str, camera_key: str
) -> None:
    """A JPEG header followed by noise, a cut-off JPEG and a 30000x30000 PNG are refused."""
    import base64
    import struct
    import zlib

    def png_claiming(width: int, height: int) -> bytes:
        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        chunk = b"IHDR" + header
        return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
                + struct.pack(">I", zlib.crc32(chunk)))  # fmt: skip

    noise = b"\xff\xd8\xff\xe0" + np.random.default_rng(1).bytes(5000)
    for data, status, says in (
        (noise, 422, "plate_image"),
        (jpeg(3)[:-200], 422, "truncated"),
        (png_claiming(30000, 30000), 413, "over the 40 MP limit"),
    ):
        read = a_read(plate_image=base64.b64encode(data).decode())
        response = post(server, camera_key, {"reads": [read]})
        assert response.status_code == status, response.text
        assert says in response.text
    assert stored_count(settings) == 0
    assert not (settings.data_dir / "images").exists() or not any(
        p.is_file() for p in (settings.data_dir / "images").rglob("*")
    )


def test_the_database_and_images_are_owner_only(
    settings: Settings, server: str, camera_key: str
) -> None:
    import base64

    response = post(server, camera_key, {"reads": [a_read(plate_image=base64.b64encode(
        jpeg(4)).decode())]})  # fmt: skip
    assert response.status_code == 200, response.text
    stored = [p for p in (settings.data_dir / "images").rglob("*")]
    assert stored and all(p.stat().st_mode & 0o077 == 0 for p in stored)
    if settings.database_url().startswith("sqlite"):
        database = Path(settings.database_url().removeprefix("sqlite:///"))
        assert database.stat().st_mode & 0o777 == 0o600
