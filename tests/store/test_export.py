"""Exporting reads as CSV and GeoJSON, and importing the CSV back, on both back-ends."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select
from typer.testing import CliRunner

from plateward.audit.schema import access_log
from plateward.cli import app
from plateward.errors import InvalidInput, NotFound
from plateward.ingest.imports import FORMATS, import_reads
from plateward.settings import Settings
from plateward.store import export
from plateward.store.cameras import add_camera, camera_by_code, ensure_agency
from plateward.store.database import open_database
from plateward.store.export import COLUMNS, ExportFilter, write_csv, write_geojson
from plateward.store.migrate import upgrade
from plateward.store.read_keys import PackedKeys, ReadKey, pack_keys
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import images, reads

START = dt.datetime(2025, 11, 20, 8, 0, tzinfo=dt.UTC)
IMAGE = "ab" * 32


def a_read(minutes: int, plate: str, **changes: Any) -> NewRead:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "captured_at": START + dt.timedelta(minutes=minutes),
        "plate": plate,
        "raw_text": plate.lower(),
        "confidence": 0.93,
        "alternatives": [{"plate": plate[:-1] + "8", "confidence": 0.04}],
        "region": "us-ca",
        "region_confidence": 0.8,
        "latitude": 38.5816 + minutes / 100_000,
        "longitude": -121.4944,
        "heading": 270.0,
    }
    fields.update(changes)
    return NewRead(**fields)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for code in ("POLE-1", "POLE-2"):
            add_camera(
                connection, agency_id=agency, code=code, name=code, latitude=38.5, longitude=-121.5
            )
        connection.execute(
            insert(images).values(
                sha256=IMAGE, media_type="image/jpeg", size_bytes=10, created_at=START
            )
        )
        pole1 = camera_by_code(connection, "POLE-1").id
        pole2 = camera_by_code(connection, "POLE-2").id
        store_reads(
            connection,
            pole1,
            [
                a_read(0, "7ABC123", plate_image=IMAGE),
                a_read(30, "8XYZ987", region=None, region_confidence=None, heading=None),
                a_read(24 * 60 * 40, "5TRU123", alternatives=[]),  # 40 days on: a new month
            ],
        )
        store_reads(connection, pole2, [a_read(10, "4DEF567", latitude=-33.9, longitude=151.2)])
    yield engine
    engine.dispose()


def csv_text(engine: Engine, selection: ExportFilter | None = None) -> str:
    out = io.StringIO()
    with engine.connect() as connection:
        write_csv(connection, out, selection or ExportFilter())
    return out.getvalue()


def geojson(engine: Engine, selection: ExportFilter | None = None) -> Any:
    out = io.StringIO()
    with engine.connect() as connection:
        write_geojson(connection, out, selection or ExportFilter())
    return json.loads(out.getvalue())


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_every_read_oldest_first(engine: Engine) -> None:
    text = csv_text(engine)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    found = rows(text)
    assert [r["plate"] for r in found] == ["7ABC123", "4DEF567", "8XYZ987", "5TRU123"]
    first = found[0]
    assert first["captured_at"] == "2025-11-20T08:00:00+00:00"
    assert first["camera"] == "POLE-1"
    assert json.loads(first["alternatives"]) == [{"plate": "7ABC128", "confidence": 0.04}]
    assert (first["plate_image"], first["context_image"]) == (IMAGE, "")
    assert found[2]["region"] == found[2]["heading"] == ""


def test_filters_by_time_range_and_camera(engine: Engine) -> None:
    window = ExportFilter(start=START + dt.timedelta(minutes=5), end=START + dt.timedelta(days=1))
    assert [r["plate"] for r in rows(csv_text(engine, window))] == ["4DEF567", "8XYZ987"]
    pole1 = ExportFilter(end=START + dt.timedelta(minutes=30), cameras=("POLE-1",))
    assert [r["plate"] for r in rows(csv_text(engine, pole1))] == ["7ABC123"]
    local = dt.timezone(dt.timedelta(hours=-8))
    from_local = ExportFilter(start=dt.datetime(2025, 11, 20, 0, 10, tzinfo=local))
    assert rows(csv_text(engine, from_local))[0]["plate"] == "4DEF567"


def test_filters_by_plate_alone_or_with_named_reads(engine: Engine) -> None:
    two = ExportFilter(plates=("7ABC123", "5TRU123"))
    assert [r["plate"] for r in rows(csv_text(engine, two))] == ["7ABC123", "5TRU123"]
    every = rows(csv_text(engine))
    named = tuple(
        export.ReadKey(uuid.UUID(r["id"]), dt.datetime.fromisoformat(r["captured_at"]))
        for r in every
        if r["plate"] != "8XYZ987"
    )
    of_one = ExportFilter(plates=("4DEF567",), reads=named)
    assert [r["plate"] for r in rows(csv_text(engine, of_one))] == ["4DEF567"]
    assert rows(csv_text(engine, ExportFilter(plates=("8XYZ987",), reads=named))) == []


def test_named_reads_go_packed_or_one_by_one_alike(engine: Engine) -> None:
    """A kept result names its reads as packed bytes (``PackedKeys``); the same reads as
    ``ReadKey`` objects, across a month's partition and to the microsecond, export alike."""
    with engine.begin() as connection:
        pole1 = camera_by_code(connection, "POLE-1").id
        odd = a_read(45, "6MIC222", captured_at=START + dt.timedelta(minutes=45, microseconds=7))
        store_reads(connection, pole1, [odd])
    every = rows(csv_text(engine))
    named = [
        export.ReadKey(uuid.UUID(r["id"]), dt.datetime.fromisoformat(r["captured_at"]))
        for r in every
        if r["plate"] != "8XYZ987"
    ]
    assert dt.datetime.fromisoformat(every[3]["captured_at"]).microsecond == 7
    packed = pack_keys(named)
    assert len(packed) == len(named) and packed.decoded() == named
    one_by_one = csv_text(engine, ExportFilter(reads=named))
    assert csv_text(engine, ExportFilter(reads=packed)) == one_by_one
    assert [r["plate"] for r in rows(one_by_one)] == ["7ABC123", "4DEF567", "6MIC222", "5TRU123"]
    just_a_second = ReadKey(named[2].id, named[2].captured_at + dt.timedelta(microseconds=1))
    assert rows(csv_text(engine, ExportFilter(reads=pack_keys([just_a_second])))) == []
    with pytest.raises(ValueError, match="packed keys"):
        PackedKeys(packed.ids[:-1], packed.micros)
    naive = ReadKey(named[0].id, named[0].captured_at.replace(tzinfo=None))
    assert pack_keys([naive]) == pack_keys([named[0]])  # naive is UTC, as SQLite returns it


def test_bad_filters_are_refused(engine: Engine) -> None:
    with pytest.raises(NotFound, match="camera POLE-9"):
        csv_text(engine, ExportFilter(cameras=("POLE-9",)))
    with pytest.raises(InvalidInput, match="start must be before the end"):
        csv_text(engine, ExportFilter(start=START, end=START))


def test_geojson_is_a_feature_collection_of_lon_lat_points(engine: Engine) -> None:
    document = geojson(engine)
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == 4
    sydney = next(f for f in document["features"] if f["properties"]["plate"] == "4DEF567")
    assert sydney["type"] == "Feature"
    assert sydney["geometry"] == {"type": "Point", "coordinates": [151.2, -33.9]}
    assert sydney["properties"]["camera"] == "POLE-2"
    assert sydney["id"] == sydney["properties"]["id"]
    assert "latitude" not in sydney["properties"]
    for feature in document["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    empty = geojson(engine, ExportFilter(cameras=("POLE-2",), start=START + dt.timedelta(days=1)))
    assert empty == {"type": "FeatureCollection", "features": []}


def test_export_then_import_restores_the_same_reads(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "STREAM_ROWS", 2)  # several slices of the cursor
    pole1 = ExportFilter(cameras=("POLE-1",))
    before = csv_text(engine, pole1)
    path = tmp_path / "pole1.csv"
    path.write_text(before, encoding="utf-8")
    with engine.begin() as connection:
        connection.execute(delete(reads))
    report = import_reads(engine, FORMATS["csv"], path, "POLE-1")
    assert (report.stored, report.duplicates, report.images_dropped) == (3, 0, 0)
    assert _without_received(csv_text(engine, pole1)) == _without_received(before)
    again = import_reads(engine, FORMATS["csv"], path, "POLE-1")
    assert (again.stored, again.duplicates) == (0, 3)


def test_import_drops_links_to_images_not_held(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "pole1.csv"
    path.write_text(csv_text(engine, ExportFilter(cameras=("POLE-1",))), encoding="utf-8")
    with engine.begin() as connection:
        connection.execute(delete(reads))
        connection.execute(delete(images))
    report = import_reads(engine, FORMATS["csv"], path, "POLE-1")
    assert (report.stored, report.images_dropped) == (3, 1)
    assert {r["plate_image"] for r in rows(csv_text(engine))} == {""}


def test_cli_export_needs_a_justification(
    settings: Settings, engine: Engine, tmp_path: Path, console_as: Callable[..., str]
) -> None:
    console_as(settings.database_url(), "investigator")
    runner = CliRunner()
    db = ["--db", settings.database_url()]
    out = tmp_path / "reads.geojson"
    for refused in ([], ["--reason", "test"], ["--case", "n/a"], ["--reason", "asdf"]):
        result = runner.invoke(app, ["export", "geojson", "-o", str(out), *refused, *db])
        assert result.exit_code == 2, (refused, result.output)
        assert "justification" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["export", "csv", "--start", "2025-11-20T08:00", "--case", "24-1"])
    assert result.exit_code == 2 and "UTC offset" in result.output

    args = ["export", "geojson", "-o", str(out), "--case", "24-001873", "--camera", "POLE-2"]
    result = runner.invoke(app, [*args, "--start", "2025-11-20", *db])
    assert result.exit_code == 0, result.output
    assert "exported 1 read(s)" in result.output
    assert len(json.loads(out.read_text())["features"]) == 1
    assert not out.with_name(out.name + ".partial").exists()
    with engine.connect() as connection:
        (entry,) = connection.execute(select(access_log)).all()
    assert (entry.action, entry.case_number, entry.result_count) == (
        "export.geojson",
        "24-001873",
        1,
    )
    assert entry.query["cameras"] == ["POLE-2"]
    assert entry.username == "console_investigator"


def test_cli_export_then_import_round_trip(
    settings: Settings, engine: Engine, tmp_path: Path, console_as: Callable[..., str]
) -> None:
    console_as(settings.database_url(), "administrator")
    runner = CliRunner()
    db = ["--db", settings.database_url()]
    out = tmp_path / "pole2.csv"
    reason = ["--reason", "burglary series, suspect vehicle on Main St"]
    result = runner.invoke(
        app, ["export", "csv", "--camera", "POLE-2", "-o", str(out), *reason, *db]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["import", "csv", str(out), "--camera", "POLE-2", *db])
    assert result.exit_code == 0, result.output
    assert "0 read(s) stored, 1 already stored" in result.output


def _without_received(text: str) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k != "received_at"} for r in rows(text)]
