"""Which camera an imported read goes to, and where it was taken: maps, sites, GPS tracks."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from plateward.alert.schema import alerts
from plateward.audit.actor import Actor
from plateward.errors import InvalidInput, NotFound
from plateward.hotlist.entries import EntryValues
from plateward.hotlist.lists import ListSettings, add_entry, create_list
from plateward.hotlist.reasons import Reason
from plateward.ingest.formats.records import BadRecord
from plateward.ingest.imports import FORMATS, ImportOptions, import_reads
from plateward.store.schema import cameras as cameras_table

Stored = Callable[[Engine], list[dict[str, Any]]]
Load = Callable[[str], Any]
Lines = Callable[..., Path]


def run(engine: Engine, name: str, path: Path, **options: Any) -> Any:
    skip_bad = options.pop("skip_bad", False)
    return import_reads(
        engine, FORMATS[name], path, options=ImportOptions(**options), skip_bad=skip_bad
    )


def groups(sample: Load, cameras: list[tuple[str, int]], start_ms: int) -> list[dict[str, Any]]:
    """One agent group per (agent, camera id), a second apart."""
    out = []
    for k, (agent, camera_id) in enumerate(cameras):
        group = copy.deepcopy(sample("openalpr_group.json"))
        group.update(
            agent_uid=agent, camera_id=camera_id, epoch_start=start_ms + 1000 * k,
            best_uuid=f"{agent}-{camera_id}-{start_ms + 1000 * k}",
            web_server_config={"camera_label": f"label {camera_id}", "agent_label": agent},
        )  # fmt: skip
        out.append(group)
    return out


def test_several_sources_without_a_map_are_refused_listing_them(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    cameras = [("AGENT1", 11), ("AGENT1", 11), ("AGENT1", 12), ("AGENT2", 11)]
    path = json_lines(tmp_path / "agents.jsonl", groups(sample, cameras, 1763662500000))
    with pytest.raises(InvalidInput) as refused:
        run(import_db, "openalpr", path, camera="POLE-1", skip_bad=True)
    message = refused.value.message
    assert "reads of 3 sources" in message
    for listed in ("AGENT1:11 (label 11 / AGENT1)", "AGENT1:12", "AGENT2:11"):
        assert listed in message
    assert "--camera-map" in message
    assert stored(import_db) == []


def test_a_camera_map_routes_each_source(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    cameras = [("AGENT1", 11), ("AGENT1", 12), ("AGENT2", 11)]
    path = json_lines(tmp_path / "agents.jsonl", groups(sample, cameras, 1763662500000))
    camera_map = tmp_path / "map.csv"
    camera_map.write_text(
        "# OpenALPR agents\nsource,camera\nAGENT1:11,POLE-1\nlabel 12,POLE-2\nAGENT2:11,POLE-2\n",
        encoding="utf-8",
    )
    report = run(import_db, "openalpr", path, camera_map=camera_map)
    assert report.cameras == {"POLE-1": 1, "POLE-2": 2}
    assert [r["camera"] for r in stored(import_db)] == ["POLE-1", "POLE-2", "POLE-2"]


def test_each_mapped_cameras_reads_are_matched_as_that_camera(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    """A list not shared with other agencies alerts on its agency's cameras only."""
    with import_db.begin() as connection:
        agency = connection.execute(
            select(cameras_table.c.agency_id).where(cameras_table.c.code == "POLE-1")
        ).scalar_one()
        actor = Actor("inv", "CCSO")
        create_list(connection, actor, name="BOLO", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        add_entry(
            connection, actor, "BOLO", EntryValues("7ABC123", False, None, Reason.STOLEN_VEHICLE, 1)
        )
    cameras = [("AGENT1", 11), ("AGENT1", 12), ("AGENT2", 11)]
    path = json_lines(tmp_path / "agents.jsonl", groups(sample, cameras, 1763662500000))
    camera_map = tmp_path / "map.csv"
    camera_map.write_text("AGENT1:11,POLE-1\nAGENT1:12,FAR-1\nAGENT2:11,POLE-2\n")
    report = run(import_db, "openalpr", path, camera_map=camera_map)
    assert (report.stored, report.alerts) == (3, 2)
    with import_db.connect() as connection:
        raised = connection.execute(
            select(cameras_table.c.code)
            .join(alerts, alerts.c.camera_id == cameras_table.c.id)
            .order_by(cameras_table.c.code)
        ).scalars()
        assert list(raised) == ["POLE-1", "POLE-2"]
    assert run(import_db, "openalpr", path, camera_map=camera_map).alerts == 0


def test_an_unmapped_source_is_a_bad_record(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    cameras = [("AGENT1", 11), ("AGENT9", 99)]
    path = json_lines(tmp_path / "agents.jsonl", groups(sample, cameras, 1763662500000))
    camera_map = tmp_path / "map.csv"
    camera_map.write_text("AGENT1:11,POLE-1\n", encoding="utf-8")
    with pytest.raises(BadRecord, match=r"line 2: source AGENT9:99 \(.*\) is not in .*map.csv"):
        run(import_db, "openalpr", path, camera_map=camera_map)
    assert run(import_db, "openalpr", path, camera_map=camera_map, skip_bad=True).stored == 1


def test_a_map_naming_an_unknown_camera_is_refused(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "a.jsonl", groups(sample, [("A", 1)], 1763662500000))
    camera_map = tmp_path / "map.csv"
    camera_map.write_text("A:1,NOPE-9\n", encoding="utf-8")
    with pytest.raises(NotFound, match="camera NOPE-9"):
        run(import_db, "openalpr", path, camera_map=camera_map)
    camera_map.write_text("A:1,POLE-1\nA:1,POLE-2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 2: source 'A:1' is mapped twice"):
        run(import_db, "openalpr", path, camera_map=camera_map)


def test_neither_camera_nor_map_is_refused(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "a.jsonl", groups(sample, [("A", 1)], 1763662500000))
    with pytest.raises(InvalidInput, match="give --camera CODE .* or --camera-map FILE"):
        run(import_db, "openalpr", path)


def test_plateward_csv_goes_to_the_cameras_it_names(
    import_db: Engine, stored: Stored, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,captured_at,camera,plate,confidence,latitude,longitude,vehicle_color\n"
        f"{uuid.uuid4()},2025-11-20T18:15:00+00:00,POLE-1,7ABC123,0.9,38.5,-121.5,Silver\n"
        f"{uuid.uuid4()},2025-11-20T18:16:00+00:00,POLE-2,7ABC124,0.9,38.6,-121.4,\n",
        encoding="utf-8",
    )
    report = run(import_db, "csv", path)
    assert report.cameras == {"POLE-1": 1, "POLE-2": 1}
    first, _second = stored(import_db)
    assert first["vehicle_color"] == "silver"


def test_a_vehicle_camera_without_gps_names_the_fix(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    group = groups(sample, [("A", 1)], 1763662500000)[0]
    group.update(gps_latitude=0.0, gps_longitude=0.0)
    path = json_lines(tmp_path / "car.jsonl", [group])
    with pytest.raises(BadRecord) as refused:
        run(import_db, "openalpr", path, camera="CAR-7")
    message = refused.value.reason
    assert "CAR-7 is a vehicle camera" in message
    assert "give each read its position, or the vehicle's GPS track (--gps-track)" in message
    assert "fixed site" not in message


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
 <trk><trkseg>
  <trkpt lat="38.5000" lon="-121.5000"><time>2025-11-20T18:14:55Z</time></trkpt>
  <trkpt lat="38.5010" lon="-121.5000"><time>2025-11-20T18:15:05Z</time></trkpt>
  <trkpt lat="38.6000" lon="-121.6000"><time>2025-11-20T19:00:00Z</time></trkpt>
 </trkseg></trk>
</gpx>
"""


@pytest.mark.parametrize("kind", ["gpx", "csv"])
def test_a_gps_track_places_a_patrol_cars_reads(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path, kind: str
) -> None:
    read_at = dt.datetime(2025, 11, 20, 18, 15, 0, 123000, tzinfo=dt.UTC)
    first, late = groups(sample, [("A", 1), ("A", 1)], int(read_at.timestamp() * 1000))
    late["epoch_start"] = int((read_at + dt.timedelta(minutes=20)).timestamp() * 1000)
    for group in (first, late):
        group.update(gps_latitude=0, gps_longitude=0)
    path = json_lines(tmp_path / "car.jsonl", [first, late])
    track = tmp_path / f"track.{kind}"
    if kind == "gpx":
        track.write_text(GPX, encoding="utf-8")
    else:
        track.write_text(
            "Time,Lat,Lon\n2025-11-20 10:14:55,38.5,-121.5\n2025-11-20 10:15:05,38.501,-121.5\n",
            encoding="utf-8",
        )
    options = {"camera": "CAR-7", "gps_track": track, "timezone": "America/Los_Angeles"}
    with pytest.raises(BadRecord, match=r"line 2: no GPS fix within 60 s of 2025-11-20T18:35"):
        run(import_db, "openalpr", path, **options)
    assert run(import_db, "openalpr", path, skip_bad=True, **options).stored == 1
    [read] = stored(import_db)
    assert read["latitude"] == pytest.approx(38.5 + 0.001 * 5.123 / 10)
    assert read["longitude"] == pytest.approx(-121.5)
    assert read["heading"] == pytest.approx(0.0, abs=1e-6)  # due north between the fixes


def test_a_gps_track_needs_its_camera(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "a.jsonl", groups(sample, [("A", 1)], 1763662500000))
    track = tmp_path / "t.gpx"
    track.write_text(GPX, encoding="utf-8")
    camera_map = tmp_path / "map.csv"
    camera_map.write_text("A:1,CAR-7\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="--gps-track is one vehicle's track"):
        run(import_db, "openalpr", path, camera_map=camera_map, gps_track=track)
