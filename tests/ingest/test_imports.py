"""Importing OpenALPR, Plate Recognizer and CSV files into a real database, both back-ends."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from plateward.audit.schema import access_log
from plateward.cli import app
from plateward.errors import InvalidInput, NotFound
from plateward.ingest.formats import json_records as json_records_module
from plateward.ingest.formats.json_records import json_records
from plateward.ingest.formats.records import BadRecord, normalise_plate
from plateward.ingest.imports import FORMATS, ImportOptions, import_reads
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import reads

# An OpenALPR agent alpr_group as its webhook and queue deliver it (images trimmed).
ALPR_GROUP: dict[str, Any] = {
    "version": 2,
    "data_type": "alpr_group",
    "epoch_start": 1763662500123,
    "epoch_end": 1763662502456,
    "frame_start": 1184,
    "frame_end": 1242,
    "company_id": "0c2b8d6e-1a3f-4b5c-9d7e-2f6a8b0c1d3e",
    "agent_uid": "Xm2nQ8fLk4pR7sT1vW3y",
    "agent_version": "2.8.101",
    "agent_type": "alprd",
    "camera_id": 1414799424,
    "gps_latitude": 38.58164,
    "gps_longitude": -121.49441,
    "country": "us",
    "uuids": [
        "Xm2nQ8fLk4pR7sT1vW3y-1414799424-1763662500123",
        "Xm2nQ8fLk4pR7sT1vW3y-1414799424-1763662501290",
    ],
    "plate_indexes": [0, 0],
    "candidates": [
        {"plate": "7ABC123", "confidence": 92.075203, "matches_template": 1},
        {"plate": "7A8C123", "confidence": 80.13, "matches_template": 1},
        {"plate": "7ABC12", "confidence": 71.82, "matches_template": 0},
    ],
    "best_plate": {
        "plate": "7ABC123",
        "confidence": 92.075203,
        "matches_template": 1,
        "region": "us-ca",
        "region_confidence": 87,
        "coordinates": [
            {"x": 306, "y": 351},
            {"x": 476, "y": 351},
            {"x": 476, "y": 384},
            {"x": 306, "y": 384},
        ],
    },
    "best_confidence": 92.075203,
    "best_plate_number": "7abc-123",
    "best_region": "us-ca",
    "best_region_confidence": 87.0,
    "matches_template": True,
    "best_uuid": "Xm2nQ8fLk4pR7sT1vW3y-1414799424-1763662501290",
    "best_uuid_epoch_ms": 1763662501290,
    "best_image_width": 1920,
    "best_image_height": 1080,
    "travel_direction": 182.4,
    "is_parked": False,
    "is_preview": False,
    "vehicle": {
        "color": [{"name": "silver-gray", "confidence": 81.2}],
        "make": [{"name": "toyota", "confidence": 77.5}],
        "body_type": [{"name": "sedan-standard", "confidence": 90.1}],
    },
    "web_server_config": {"camera_label": "Main St NB", "agent_label": "pole-1"},
}

HEARTBEAT: dict[str, Any] = {
    "version": 1,
    "data_type": "heartbeat",
    "company_id": "0c2b8d6e-1a3f-4b5c-9d7e-2f6a8b0c1d3e",
    "agent_uid": "Xm2nQ8fLk4pR7sT1vW3y",
    "timestamp": 1763662560000,
    "system_uptime_seconds": 2595123,
}

# A Plate Recognizer Stream webhook: one frame, two plates.
STREAM_WEBHOOK: dict[str, Any] = {
    "hook": {
        "target": "https://plateward.example/hooks/pr",
        "id": "camera-1",
        "event": "recognition",
        "filename": "camera-1_screenshots/25-11-20/18-15-00.606935.jpg",
    },
    "data": {
        "camera_id": "camera-1",
        "filename": "camera-1_screenshots/25-11-20/18-15-00.606935.jpg",
        "timestamp": "2025-11-20T18:15:00.606935Z",
        "timestamp_local": "2025-11-20 10:15:00.606935-08:00",
        "results": [
            {
                "box": {"xmin": 460, "ymin": 57, "xmax": 557, "ymax": 82},
                "plate": "8xyz987",
                "region": {"code": "us-ca", "score": 0.913},
                "score": 0.902,
                "candidates": [{"plate": "8xyz987"}, {"plate": "8xyz98"}, {"plate": "bxyz987"}],
                "dscore": 0.81,
                "vehicle": {"score": 0.767, "type": "Sedan", "box": {"xmin": 387, "ymin": 23}},
                "direction": 190,
                "source_url": "rtsp://10.0.0.21/stream1",
                "position_sec": 4,
            },
            {
                "box": {"xmin": 1200, "ymin": 300, "xmax": 1290, "ymax": 330},
                "plate": "5tru123",
                "region": {"code": "us-nv", "score": 0.66},
                "score": 0.871,
                "candidates": [
                    {"plate": "5tru123", "score": 0.871},
                    {"plate": "5tru12", "score": 0.1},
                ],
                "dscore": 0.7,
            },
        ],
    },
}

# A Plate Recognizer Snapshot API answer: no hook wrapper.
SNAPSHOT: dict[str, Any] = {
    "processing_time": 288.758,
    "results": [
        {
            "box": {"xmin": 143, "ymin": 481, "xmax": 282, "ymax": 575},
            "plate": "nhk552",
            "region": {"code": "gb", "score": 0.747},
            "score": 0.904,
            "candidates": [{"score": 0.904, "plate": "nhk552"}],
            "dscore": 0.992,
            "vehicle": {"score": 0.925, "type": "Sedan"},
        }
    ],
    "filename": "1617_7M83K_car.jpg",
    "version": 1,
    "camera_id": "gate-2",
    "timestamp": "2025-11-20T17:16:45.617123Z",
}


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings.database_url())
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="Main St",
            latitude=38.5,
            longitude=-121.5,
        )
        add_camera(
            connection,
            agency_id=agency,
            code="CAR-7",
            name="Unit 7",
            kind="vehicle",
            vehicle_id="7",
        )
    yield engine
    engine.dispose()


def stored(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(reads).order_by(reads.c.captured_at, reads.c.plate))
        return [dict(r._mapping) for r in rows]


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(reads)).scalar_one())


def group(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(ALPR_GROUP)
    out.update(changes)
    return out


def json_lines(path: Path, values: list[Any]) -> Path:
    path.write_text("".join(json.dumps(v) + "\n" for v in values), encoding="utf-8")
    return path


def test_plates_are_normalised() -> None:
    assert normalise_plate(" 7abc-123 ") == "7ABC123"
    assert normalise_plate("AB 12 CD") == "AB12CD"
    assert normalise_plate("--") == ""


def test_openalpr_group_becomes_a_read(engine: Engine, tmp_path: Path) -> None:
    path = json_lines(tmp_path / "agent.jsonl", [HEARTBEAT, ALPR_GROUP, group(is_preview=True)])
    report = import_reads(engine, FORMATS["openalpr"], path, "POLE-1")
    assert (report.records, report.stored, report.ignored) == (3, 1, 2)
    [read] = stored(engine)
    assert read["plate"] == "7ABC123"
    assert read["raw_text"] == "7abc-123"
    assert read["confidence"] == pytest.approx(0.92075203)
    assert _utc(read["captured_at"]) == dt.datetime(2025, 11, 20, 18, 15, 0, 123000, dt.UTC)
    assert (read["latitude"], read["longitude"]) == (38.58164, -121.49441)
    assert read["region"] == "us-ca"
    assert read["region_confidence"] == pytest.approx(0.87)
    assert [a["plate"] for a in read["alternatives"]] == ["7A8C123", "7ABC12"]
    assert read["alternatives"][0]["confidence"] == pytest.approx(0.8013)
    # The best frame's uuid and the plate's index in it: two cars in one frame are two reads.
    assert read["id"] == uuid.uuid5(
        uuid.UUID("5d0e7c1a-3b4f-5e2a-9c8d-6f1b2a3c4d5e"),
        "openalpr\x1fXm2nQ8fLk4pR7sT1vW3y-1414799424-1763662501290\x1f#0",
    )
    assert (read["vehicle_make"], read["vehicle_color"], read["vehicle_body_type"]) == (
        "toyota",
        "silver",
        "sedan",
    )
    assert read["vehicle_direction"] == "approaching"  # travel_direction 182.4: down the picture


def test_openalpr_without_gps_fix_takes_the_camera_site(engine: Engine, tmp_path: Path) -> None:
    path = json_lines(tmp_path / "a.jsonl", [group(gps_latitude=0.0, gps_longitude=0.0)])
    import_reads(engine, FORMATS["openalpr"], path, "POLE-1")
    [read] = stored(engine)
    assert (read["latitude"], read["longitude"]) == (38.5, -121.5)


def test_a_read_with_no_position_anywhere_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = json_lines(tmp_path / "a.jsonl", [group(gps_latitude=0, gps_longitude=0)])
    with pytest.raises(BadRecord, match=r"a\.jsonl line 1: no position.*CAR-7"):
        import_reads(engine, FORMATS["openalpr"], path, "CAR-7")
    assert count(engine) == 0


SECOND = {**ALPR_GROUP, "best_uuid": "second", "epoch_start": 1763662600000}


@pytest.mark.parametrize("shape", ["object", "pretty", "lines", "array", "pretty-array"])
def test_every_json_shape_gives_its_records(tmp_path: Path, shape: str) -> None:
    values = [ALPR_GROUP] if shape in ("object", "pretty") else [ALPR_GROUP, SECOND]
    text = {
        "object": json.dumps(ALPR_GROUP),
        "pretty": json.dumps(ALPR_GROUP, indent=2),
        "lines": "\n".join(json.dumps(v) for v in values) + "\n",
        "array": json.dumps(values),
        "pretty-array": json.dumps(values, indent=4),
    }[shape]
    path = tmp_path / "reads.json"
    path.write_text(text, encoding="utf-8")
    assert [r.value for r in json_records(path)] == values


def test_importing_again_stores_nothing_twice(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "reads.json"
    path.write_text(json.dumps([ALPR_GROUP, SECOND], indent=2), encoding="utf-8")
    first = import_reads(engine, FORMATS["openalpr"], path, "POLE-1")
    again = import_reads(engine, FORMATS["openalpr"], path, "POLE-1")
    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates) == (0, 2)
    assert count(engine) == 2


def test_arrays_stream_across_chunk_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_records_module, "CHUNK_CHARS", 5)
    values: list[Any] = [12345678, {"a": [1, 2, {"b": "x\ny"}]}, "text", None, 3.25, [], {}]
    path = tmp_path / "values.json"
    path.write_text(" \n" + json.dumps(values, indent=1), encoding="utf-8")
    found = list(json_records(path))
    assert [r.value for r in found] == values
    assert found[1].where == f"{path} index 1 (line 4)"
    path.write_text("[]", encoding="utf-8")
    assert list(json_records(path)) == []


def test_platerecognizer_webhook_and_snapshot(engine: Engine, tmp_path: Path) -> None:
    path = json_lines(tmp_path / "pr.jsonl", [STREAM_WEBHOOK, SNAPSHOT])
    # Two of Plate Recognizer's cameras: both to POLE-1 here, as a map says.
    camera_map = tmp_path / "cameras.csv"
    camera_map.write_text("source,camera\ncamera-1,POLE-1\ngate-2,POLE-1\n", encoding="utf-8")
    options = ImportOptions(camera_map=camera_map)
    report = import_reads(engine, FORMATS["platerecognizer"], path, options=options)
    assert report.stored == 3
    by_plate = {r["plate"]: r for r in stored(engine)}
    assert set(by_plate) == {"8XYZ987", "5TRU123", "NHK552"}
    stream = by_plate["8XYZ987"]
    assert stream["confidence"] == pytest.approx(0.902)
    assert (stream["region"], stream["region_confidence"]) == ("us-ca", pytest.approx(0.913))
    assert stream["alternatives"] == [
        {"plate": "8XYZ98", "confidence": 0.0},
        {"plate": "BXYZ987", "confidence": 0.0},
    ]
    assert _utc(stream["captured_at"]) == dt.datetime(2025, 11, 20, 18, 15, 0, 606935, dt.UTC)
    assert (stream["latitude"], stream["longitude"]) == (38.5, -121.5)
    assert by_plate["5TRU123"]["alternatives"] == [{"plate": "5TRU12", "confidence": 0.1}]
    again = import_reads(engine, FORMATS["platerecognizer"], path, options=options)
    assert (again.stored, again.duplicates) == (0, 3)


def test_a_bad_record_refuses_the_whole_file(engine: Engine, tmp_path: Path) -> None:
    good = [group(best_uuid=f"u{i}", epoch_start=1763662500000 + i) for i in range(5)]
    bad = group(best_uuid="bad", best_plate={"confidence": 90})
    del bad["best_plate_number"]
    path = json_lines(tmp_path / "mixed.jsonl", [*good, bad])
    # Batches of two: the first reads are inserted before the bad one is met, then rolled back.
    with pytest.raises(BadRecord, match=r"mixed\.jsonl line 6: best_plate_number: missing"):
        import_reads(engine, FORMATS["openalpr"], path, "POLE-1", batch_reads=2)
    assert count(engine) == 0


def test_skip_bad_reports_and_stores_the_rest(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(group(best_uuid="a")),
        '{"data_type": "alpr_group", "best_plate_',
        json.dumps(group(best_uuid="b", best_confidence=140)),
        json.dumps(group(best_uuid="c", epoch_start=1763662600000)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    skipped: list[BadRecord] = []
    report = import_reads(
        engine, FORMATS["openalpr"], path, "POLE-1", skip_bad=True, on_skip=skipped.append
    )
    assert (report.stored, report.skipped) == (2, 2)
    assert [e.where for e in skipped] == [f"{path} line 2", f"{path} line 3"]
    assert "not valid JSON" in skipped[0].reason
    assert "confidence" in skipped[1].reason


def test_a_broken_array_is_refused_even_when_skipping(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps([ALPR_GROUP])[:-40], encoding="utf-8")
    with pytest.raises(InvalidInput, match="broken.json line 1: not valid JSON"):
        import_reads(engine, FORMATS["openalpr"], path, "POLE-1", skip_bad=True)
    assert count(engine) == 0


def test_future_capture_times_are_refused(engine: Engine, tmp_path: Path) -> None:
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    path = json_lines(tmp_path / "f.jsonl", [group(epoch_start=int(future.timestamp() * 1000))])
    with pytest.raises(BadRecord, match="in the future"):
        import_reads(engine, FORMATS["openalpr"], path, "POLE-1")


def test_unknown_camera_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = json_lines(tmp_path / "a.jsonl", [ALPR_GROUP])
    with pytest.raises(NotFound, match="camera NOPE"):
        import_reads(engine, FORMATS["openalpr"], path, "NOPE")


def test_csv_rows_from_another_camera_are_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "reads.csv"
    path.write_text(
        "id,captured_at,camera,plate,confidence,latitude,longitude\n"
        f"{uuid.uuid4()},2025-11-20T18:15:00+00:00,POLE-1,7ABC123,0.9,38.5,-121.5\n"
        f"{uuid.uuid4()},2025-11-20T18:16:00+00:00,POLE-9,7ABC124,0.9,38.5,-121.5\n",
        encoding="utf-8",
    )
    with pytest.raises(BadRecord, match=r"reads\.csv line 3: .*camera POLE-9, not POLE-1"):
        import_reads(engine, FORMATS["csv"], path, "POLE-1")
    assert count(engine) == 0


def test_hand_made_csv_gets_stable_ids(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "hand.csv"
    path.write_text(
        "captured_at,plate,confidence\n2025-11-20T10:15:00-08:00,7abc 123,0.8\n", encoding="utf-8"
    )
    assert import_reads(engine, FORMATS["csv"], path, "POLE-1").stored == 1
    assert import_reads(engine, FORMATS["csv"], path, "POLE-1").duplicates == 1
    [read] = stored(engine)
    assert (read["plate"], read["raw_text"]) == ("7ABC123", "7abc 123")


def test_csv_without_required_columns_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("time,plate\n2025-11-20T10:15:00Z,7ABC123\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no captured_at, confidence column"):
        import_reads(engine, FORMATS["csv"], path, "POLE-1")


def test_cli_imports_and_refuses(
    settings: Settings, engine: Engine, tmp_path: Path, make_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    runner = CliRunner()
    investigator = make_token(settings.database_url(), "investigator")
    refused = runner.invoke(app, ["import", "openalpr", str(tmp_path), "--camera", "POLE-1",
                                  "--db", settings.database_url(), "--token", investigator])  # fmt: skip
    assert refused.exit_code != 0
    monkeypatch.setenv("PLATEWARD_TOKEN", make_token(settings.database_url(), "administrator"))
    good = json_lines(tmp_path / "good.jsonl", [HEARTBEAT, ALPR_GROUP])
    db = settings.database_url()
    result = runner.invoke(app, ["import", "openalpr", str(good), "--camera", "POLE-1", "--db", db])
    assert result.exit_code == 0, result.output
    assert "-> camera(s) POLE-1 (1): 1 read(s) stored, 0 already stored, 1 record(s) without" in (
        result.output
    )

    bad = json_lines(tmp_path / "bad.jsonl", [group(best_uuid="x"), {"data_type": "alpr_group"}])
    args = ["import", "openalpr", str(bad), "--camera", "POLE-1", "--db", db]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert f"error: {bad} line 2: best_plate_number: missing" in result.output
    assert "nothing was imported" in result.output
    assert count(engine) == 1

    result = runner.invoke(app, [*args, "--skip-bad", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"skipped: {bad} line 2" in result.output
    assert count(engine) == 2
    with engine.connect() as connection:
        logged = connection.execute(
            select(access_log.c.username, access_log.c.action, access_log.c.result_count)
        ).all()
    assert logged == [("console_administrator", "import.openalpr", 1)] * 2


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
