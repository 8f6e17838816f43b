"""Every vendor envelope becomes reads, into a real database on both back-ends.

The payloads (tests/ingest/samples) are written for these tests in the documented shapes.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from plateward.errors import InvalidInput
from plateward.ingest.formats.records import BadRecord
from plateward.ingest.imports import FORMATS, ImportOptions, import_reads
from plateward.settings import Settings
from plateward.store.images import ImageStore
from plateward.store.schema import images

Stored = Callable[[Engine], list[dict[str, Any]]]
Load = Callable[[str], Any]
Lines = Callable[..., Path]


def at(*args: int, **kwargs: int) -> dt.datetime:
    return dt.datetime(*args, **kwargs, tzinfo=dt.UTC)  # type: ignore[misc]


def run(engine: Engine, name: str, path: Path, **options: Any) -> Any:
    images_store = options.pop("images", None)
    skip_bad = options.pop("skip_bad", False)
    return import_reads(
        engine, FORMATS[name], path, options=ImportOptions(**options), images=images_store,
        skip_bad=skip_bad,
    )  # fmt: skip


def test_agent_frame_gives_a_read_per_plate(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "frames.jsonl", [sample("openalpr_frame.json")])
    report = run(import_db, "openalpr", path, camera="POLE-1")
    assert (report.records, report.stored, report.ignored) == (1, 2, 0)
    by_plate = {r["plate"]: r for r in stored(import_db)}
    assert set(by_plate) == {"7ABC123", "5TRU990"}
    assert by_plate["7ABC123"]["captured_at"] == at(2025, 11, 20, 18, 15, 1, microsecond=290000)
    assert by_plate["7ABC123"]["confidence"] == pytest.approx(0.914)
    assert by_plate["5TRU990"]["region"] == "us-nv"
    assert by_plate["7ABC123"]["alternatives"] == [{"plate": "7A8C123", "confidence": 0.77}]


def test_a_group_and_its_best_frame_are_one_read(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    """The group's best frame is the agent frame above (its uuid, plate index 0)."""
    frame, group = sample("openalpr_frame.json"), sample("openalpr_group.json")
    path = json_lines(tmp_path / "mixed.jsonl", [frame, group])
    report = run(import_db, "openalpr", path, camera="POLE-1")
    assert (report.stored, report.duplicates) == (2, 1)
    assert sorted(r["plate"] for r in stored(import_db)) == ["5TRU990", "7ABC123"]


def test_two_cars_in_one_best_frame_are_two_reads(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    first = sample("openalpr_group.json")
    second = copy.deepcopy(first)
    second["best_plate_number"] = "5TRU990"
    second["best_plate"]["plate_index"] = 1
    second["candidates"] = []
    path = json_lines(tmp_path / "groups.jsonl", [first, second])
    assert run(import_db, "openalpr", path, camera="POLE-1").stored == 2


def test_an_alert_wraps_its_group(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    """Rekor's alpr_alert (version 1: the region only in best_plate) is its group's read."""
    alert = sample("openalpr_alert.json")
    path = json_lines(tmp_path / "alerts.jsonl", [alert])
    report = run(import_db, "openalpr", path, camera="POLE-1")
    assert (report.stored, report.ignored) == (1, 0)
    [read] = stored(import_db)
    assert (read["plate"], read["region"]) == ("7ABC123", "us-ca")
    assert read["region_confidence"] == pytest.approx(0.8)
    assert (read["latitude"], read["longitude"]) == (38.5, -121.5)  # 0,0: the camera's site
    # The same pass as its group: importing the group too stores nothing more.
    group = json_lines(tmp_path / "group.jsonl", [sample("openalpr_group.json")])
    assert run(import_db, "openalpr", group, camera="POLE-1").duplicates == 1


def test_cloud_api_answer_keeps_the_vehicle(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "cloud.json", [sample("openalpr_cloud_v3.json")])
    assert run(import_db, "openalpr", path, camera="POLE-2").stored == 1
    [read] = stored(import_db)
    assert read["plate"] == "8XYZ987"
    vehicle = [read[f"vehicle_{k}"] for k in ("make", "model", "color", "body_type")]
    assert vehicle == ["honda", "civic", "blue", "sedan"]


def test_legacy_alprd_seconds_are_seconds(import_db: Engine, stored: Stored, samples: Path) -> None:
    """The 2014 open-source daemon wrote no data_type and epoch_time in seconds."""
    report = run(import_db, "openalpr", samples / "alprd_legacy.json", camera="POLE-1")
    assert report.stored == 1
    [read] = stored(import_db)
    assert read["captured_at"] == at(2014, 6, 7, 17, 10, 50)
    assert (read["plate"], read["region"]) == ("S11FRE", None)


def test_heartbeats_and_tests_are_not_reads(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(
        tmp_path / "agent.jsonl",
        [sample("openalpr_heartbeat.json"), {"openalpr_webhook": "test"}],
    )
    report = run(import_db, "openalpr", path, camera="POLE-1")
    assert (report.records, report.stored, report.ignored) == (2, 0, 2)


def test_rekor_images_are_stored(
    import_db: Engine,
    settings: Settings,
    stored: Stored,
    sample: Load,
    json_lines: Lines,
    jpeg: Callable[[int], bytes],
    tmp_path: Path,
) -> None:
    group = sample("openalpr_group.json")
    group["best_plate"]["plate_crop_jpeg"] = base64.b64encode(jpeg(1)).decode()
    group["vehicle_crop_jpeg"] = base64.b64encode(jpeg(2)).decode()
    group["overview_jpeg"] = base64.b64encode(jpeg(3)).decode()
    store = ImageStore(settings.data_dir / "images")
    path = json_lines(tmp_path / "group.jsonl", [group])
    report = run(import_db, "openalpr", path, camera="POLE-1", images=store)
    assert report.images_stored == 2
    [read] = stored(import_db)
    assert store.get(read["plate_image"]) == jpeg(1)
    assert store.get(read["context_image"]) == jpeg(3)  # the overview: the whole scene
    with import_db.connect() as connection:
        assert connection.execute(select(func.count()).select_from(images)).scalar_one() == 2


def test_plate_recognizer_snapshot_webhook_and_sdk_times(
    import_db: Engine, stored: Stored, samples: Path
) -> None:
    """image.done webhooks are reads; their offset-less times need --timezone."""
    path = samples / "pr_snapshot_webhook.json"
    with pytest.raises(BadRecord, match=r"timestamp: .* has no UTC offset: give --timezone"):
        run(import_db, "platerecognizer", path, camera="POLE-1")
    report = run(
        import_db, "platerecognizer", path, camera="POLE-1", timezone="America/Los_Angeles"
    )
    assert report.stored == 1
    [read] = stored(import_db)
    assert read["captured_at"] == at(2025, 11, 21, 1, 41, 7, microsecond=204815)
    assert (read["vehicle_make"], read["vehicle_model"]) == ("subaru", "outback")
    assert (read["vehicle_color"], read["vehicle_body_type"]) == ("green", "suv")
    assert read["vehicle_direction"] == "receding"


def test_plate_recognizer_vehicle_mode(import_db: Engine, stored: Stored, samples: Path) -> None:
    report = run(import_db, "platerecognizer", samples / "pr_vehicle_mode.json", camera="POLE-1")
    assert (report.stored, report.ignored) == (1, 0)  # the second vehicle has no plate
    [read] = stored(import_db)
    assert (read["plate"], read["region"], read["confidence"]) == ("4KPD118", "us-az", 0.902)
    assert read["alternatives"] == [{"plate": "4KPD11B", "confidence": 0.61}]
    assert (read["vehicle_make"], read["vehicle_model"]) == ("ford", "f-150")
    assert (read["vehicle_body_type"], read["vehicle_direction"]) == ("pickup", "approaching")


def test_stream_csv(import_db: Engine, stored: Stored, samples: Path) -> None:
    report = run(import_db, "platerecognizer-csv", samples / "pr_stream.csv", camera="POLE-1")
    assert report.stored == 2
    first, second = stored(import_db)
    assert (first["plate"], first["region"], first["vehicle_make"]) == (
        "3MCL552",
        "us-ca",
        "volkswagen",
    )
    assert first["alternatives"] == [{"plate": "3MC1552", "confidence": 0.0}]
    assert second["vehicle_make"] is None  # 1.5%: a guess, not an attribute
    assert (second["vehicle_body_type"], second["vehicle_direction"]) == ("truck", "receding")


def test_stream_csv_names_its_camera(import_db: Engine, samples: Path, tmp_path: Path) -> None:
    camera_map = tmp_path / "map.csv"
    camera_map.write_text("north-gate,POLE-2\n", encoding="utf-8")
    report = run(import_db, "platerecognizer-csv", samples / "pr_stream.csv", camera_map=camera_map)
    assert report.cameras == {"POLE-2": 2}


def test_forensic_csv_needs_the_video_start(import_db: Engine, samples: Path) -> None:
    with pytest.raises(InvalidInput, match="give --video-start"):
        run(import_db, "openalpr-forensic", samples / "forensic_groups.csv", camera="POLE-1")


def test_forensic_groups_and_results_are_one_pass(
    import_db: Engine, stored: Stored, samples: Path
) -> None:
    start = "2025-11-20T10:00:00-08:00"
    groups = run(
        import_db, "openalpr-forensic", samples / "forensic_groups.csv", camera="POLE-1",
        video_start=start,
    )  # fmt: skip
    assert groups.stored == 2
    results = run(
        import_db, "openalpr-forensic", samples / "forensic_results.csv", camera="POLE-1",
        video_start=start,
    )  # fmt: skip
    # Plate 6 is group 2's best plate: the group's read already; plate 5 is a new read.
    assert (results.stored, results.duplicates) == (1, 1)
    reads = stored(import_db)
    assert reads[0]["captured_at"] == at(2025, 11, 20, 18, 0, 2, microsecond=840000)
    assert reads[0]["region"] == "ca"


def test_genetec_export_in_windows_1252_with_semicolons(
    import_db: Engine, stored: Stored, samples: Path, tmp_path: Path
) -> None:
    text = (samples / "genetec_reads.csv").read_text(encoding="utf-8")
    text = text.replace(",", ";").replace("123 Main St", "Caf\u00e9 Stra\u00dfe 5")
    path = tmp_path / "reads.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(BadRecord, match="has no UTC offset: give --timezone"):
        run(import_db, "genetec", path, camera="CAR-7")
    report = run(import_db, "genetec", path, camera="CAR-7", timezone="America/Los_Angeles")
    assert report.stored == 2
    assert report.encoding == "cp1252 (detected)"
    first, second = stored(import_db)
    assert first["captured_at"] == at(2025, 11, 20, 18, 15)
    assert (first["region"], first["confidence"], first["latitude"]) == ("us-ca", 0.91, 38.5816)
    assert (first["vehicle_color"], first["vehicle_direction"]) == ("gray", "approaching")
    assert (second["region"], second["confidence"], second["vehicle_direction"]) == (
        "us-ca",
        1.0,
        "receding",
    )


def test_flock_alert_and_lookup(import_db: Engine, stored: Stored, samples: Path) -> None:
    alert = run(import_db, "flock", samples / "flock_alert.json", camera="POLE-1")
    assert alert.stored == 1
    lookup = samples / "flock_lookup.json"  # two devices: refused without a camera map
    with pytest.raises(InvalidInput, match=r"reads of 2 sources \(2b7c1e7a-.*Folsom Blvd EB"):
        run(import_db, "flock", lookup, camera="POLE-1")
    reads = stored(import_db)
    assert [r["plate"] for r in reads] == ["9ABC004"]
    assert str(reads[0]["id"]) == "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert (reads[0]["region"], reads[0]["latitude"]) == ("us-ca", 38.5911)


def test_flock_lookup_with_a_camera_map(
    import_db: Engine, stored: Stored, samples: Path, tmp_path: Path
) -> None:
    camera_map = tmp_path / "flock-cameras.csv"
    camera_map.write_text(
        "source,camera\nFolsom Blvd EB,POLE-1\n7e1a9c33-0b2d-4f5e-a6b7-c8d9e0f1a2b3,POLE-2\n",
        encoding="utf-8",
    )
    report = run(import_db, "flock", samples / "flock_lookup.json", camera_map=camera_map)
    assert report.cameras == {"POLE-1": 1, "POLE-2": 1}
    assert [r["region"] for r in stored(import_db)] == ["us-nh", "us-ca"]


def test_verkada_webhook(import_db: Engine, stored: Stored, samples: Path) -> None:
    assert run(import_db, "verkada", samples / "verkada_lpr.json", camera="POLE-2").stored == 1
    [read] = stored(import_db)
    assert read["captured_at"] == at(2025, 11, 21, 2, 59, 58, microsecond=412000)
    assert (read["plate"], read["confidence"], read["region"]) == ("2GHT091", 0.9012, "us-ca")
    assert (read["latitude"], read["longitude"]) == (38.6, -121.4)


@pytest.mark.parametrize(
    ("name", "payload", "looks_like"),
    [
        ("openalpr", "verkada_lpr.json", "Verkada webhooks"),
        ("platerecognizer", "openalpr_frame.json", "OpenALPR / Rekor records"),
        ("verkada", "flock_alert.json", "Flock Safety reads"),
        ("flock", "pr_vehicle_mode.json", "Plate Recognizer"),
    ],
)
def test_a_file_of_another_format_is_refused_naming_it(
    import_db: Engine, samples: Path, name: str, payload: str, looks_like: str
) -> None:
    with pytest.raises(InvalidInput, match=looks_like):
        run(import_db, name, samples / payload, camera="POLE-1", skip_bad=True)


def test_a_csv_given_to_another_import_is_refused_naming_it(
    import_db: Engine, samples: Path
) -> None:
    with pytest.raises(InvalidInput, match="looks like a Plate Recognizer Stream CSV"):
        run(import_db, "openalpr", samples / "pr_stream.csv", camera="POLE-1")
    with pytest.raises(InvalidInput, match="import it with `plateward import openalpr-forensic`"):
        run(import_db, "genetec", samples / "forensic_groups.csv", camera="POLE-1")


def test_a_spreadsheet_is_refused_naming_it(import_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "reads.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(InvalidInput, match=r"Excel workbook \(\.xlsx\): export it as CSV"):
        run(import_db, "genetec", path, camera="POLE-1")


def test_a_flattened_flock_read(
    import_db: Engine, stored: Stored, json_lines: Lines, tmp_path: Path
) -> None:
    flat = {
        "id": "2d1e0f52-7d3c-4a8e-9b21-6c5d4e3f2a10", "capturedAt": "2025-11-22T16:04:09Z",
        "plate": "xna-357", "confidence": 0.8, "state": "Arizona",
        "device": {"id": "dev-1", "location": {"latitude": 33.4, "longitude": -112.0}},
    }  # fmt: skip
    assert (
        run(import_db, "flock", json_lines(tmp_path / "f.jsonl", [flat]), camera="POLE-1").stored
        == 1
    )
    [read] = stored(import_db)
    assert (read["plate"], read["region"], read["latitude"]) == ("XNA357", "us-az", 33.4)
