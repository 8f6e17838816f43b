"""``plateward read`` and ``plateward eval`` through the real root app: output, errors, exit codes.

A fake engine stands in for the models (``load_engine`` is replaced), except in the last test,
which reads a real labeled image with the real models when the shared data is there.
"""

from __future__ import annotations

import csv
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import plateward.recognition.cli as recognition_cli
from plateward.cli import app
from plateward.errors import ConfigurationError, UnreadableSource
from plateward.recognition.interfaces import Image
from plateward.recognition.types import Alternative, PlateRead
from plateward.settings import RecognitionSettings


def plate_read(source: str, plate: str, box: tuple[int, int, int, int]) -> PlateRead:
    return PlateRead(
        source=source,
        plate=plate,
        raw_text=plate,
        confidence=0.91,
        char_confidences=(0.9,) * 6,
        alternatives=(Alternative(plate[:-1] + "8", 0.05),),
        box=box,
        polygon=(),
        detection_confidence=0.8,
        region="us",
        region_confidence=0.5,
    )


class FakeEngine:
    """Reads "AB0123" in images whose top-left pixel is white, nothing in the others."""

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        if image[0, 0, 0] == 255:
            return [plate_read(source, "AB0123", (10, 20, 60, 40))]
        return []

    def read_crop(self, crop: Image, source: str) -> PlateRead | None:
        reads = self.read_image(crop, source)
        return reads[0] if reads else None


@pytest.fixture
def engine_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[RecognitionSettings]:
    """Use the fake engine; the list records each model load."""
    for name in ("PLATEWARD_CONFIG", "PLATEWARD_RECOGNITION__THREADS", "PLATEWARD_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    loads: list[RecognitionSettings] = []

    def fake_load(settings: RecognitionSettings) -> FakeEngine:
        loads.append(settings)
        return FakeEngine()

    monkeypatch.setattr(recognition_cli, "load_engine", fake_load)
    return loads


def image(path: Path, with_plate: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.zeros((60, 80, 3), np.uint8)
    pixels[0, 0] = 255 if with_plate else 0
    cv2.imwrite(str(path), pixels)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --- read -------------------------------------------------------------------------------------


def test_read_json_prints_one_object_per_read(tmp_path: Path, engine_loads: list[object]) -> None:
    car = image(tmp_path / "car.jpg")
    status, out, err = run("read", str(car), "--json")
    assert (status, err) == (0, "")
    (line,) = out.splitlines()
    read = json.loads(line)
    assert read["source"] == str(car)
    assert read["plate"] == "AB0123"
    assert read["box"] == [10, 20, 60, 40]
    assert read["alternatives"] == [{"plate": "AB0128", "confidence": 0.05}]
    assert {"confidence", "region"} <= read.keys()
    assert len(engine_loads) == 1


def test_bad_inputs_are_reported_and_the_batch_carries_on(
    tmp_path: Path, engine_loads: list[object]
) -> None:
    missing = tmp_path / "missing.jpg"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"definitely not a picture")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    good = image(tmp_path / "good.jpg")
    status, out, err = run("read", str(missing), str(junk), str(empty), str(good), "--json")
    assert status == 1
    assert err.splitlines() == [
        f"error: {missing}: file not found",
        f"error: {junk}: unsupported or unrecognised format (not JPEG, PNG, WebP, BMP, TIFF or PNM)",
        f"error: {empty}: empty file",
    ]
    assert [json.loads(line)["source"] for line in out.splitlines()] == [str(good)]


def test_an_image_without_a_plate_is_not_an_error(
    tmp_path: Path, engine_loads: list[object]
) -> None:
    road = image(tmp_path / "road.jpg", with_plate=False)
    assert run("read", str(road), "--json") == (0, "", "")
    status, out, err = run("read", str(road))
    assert (status, err) == (0, "")
    assert "no plate" in out


def test_table_output_shows_the_plate(tmp_path: Path, engine_loads: list[object]) -> None:
    image(tmp_path / "car[old].png")  # the working directory: a short name fits 80 columns
    status, out, _ = run("read", "car[old].png")
    assert status == 0
    assert "AB0123" in out and "car[old].png" in out and "0.91" in out


def test_folders_are_read_recursively(tmp_path: Path, engine_loads: list[object]) -> None:
    image(tmp_path / "in" / "b.jpg")
    image(tmp_path / "in" / "a" / "c.png")
    (tmp_path / "in" / "readme.txt").write_text("not an image")
    status, out, err = run("read", str(tmp_path / "in"), "--json")
    assert (status, err) == (0, "")
    sources = [Path(json.loads(line)["source"]).name for line in out.splitlines()]
    assert sources == ["c.png", "b.jpg"]


def test_an_empty_folder_is_an_error(tmp_path: Path, engine_loads: list[object]) -> None:
    (tmp_path / "empty").mkdir()
    status, _, err = run("read", str(tmp_path / "empty"))
    assert status == 1
    assert err == f"error: {tmp_path / 'empty'}: folder has no images or videos\n"


def test_models_are_not_loaded_when_no_input_can_be_read(
    tmp_path: Path, engine_loads: list[object]
) -> None:
    assert run("read", str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg"))[0] == 1
    assert engine_loads == []


def test_models_that_cannot_load_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine_loads: list[object]
) -> None:
    def broken(settings: RecognitionSettings) -> FakeEngine:
        raise ConfigurationError("platedet: model file is damaged")

    monkeypatch.setattr(recognition_cli, "load_engine", broken)
    status, out, err = run("read", str(image(tmp_path / "a.jpg")), str(image(tmp_path / "b.jpg")))
    assert (status, out) == (1, "")
    assert err == "error: platedet: model file is damaged\n"


def test_videos_and_streams_go_through_read_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine_loads: list[object]
) -> None:
    clip = tmp_path / "lane.mp4"
    clip.write_bytes(b"fake video")
    calls: list[tuple[object, str, object]] = []

    def read_video(engine: object, source: str, settings: object) -> Iterator[PlateRead]:
        calls.append((engine, source, settings))
        if source.startswith("rtsp://"):
            yield plate_read(source, "LIVE1", (0, 0, 5, 5))
            raise UnreadableSource(source, "stream dropped and could not be reopened")
        yield plate_read(source, "VID123", (1, 2, 3, 4))

    fake_video = types.ModuleType("plateward.recognition.video")
    fake_video.read_video = read_video  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "plateward.recognition.video", fake_video)
    status, out, err = run("read", str(clip), "rtsp://cam/1", str(tmp_path / "gone.mkv"), "--json")
    assert status == 1
    assert [json.loads(line)["plate"] for line in out.splitlines()] == ["VID123", "LIVE1"]
    assert err.splitlines() == [
        "error: rtsp://cam/1: stream dropped and could not be reopened",
        f"error: {tmp_path / 'gone.mkv'}: file not found",
    ]
    assert [c[1] for c in calls] == [str(clip), "rtsp://cam/1"]
    assert isinstance(calls[0][0], FakeEngine)
    assert hasattr(calls[0][2], "max_fps")  # the video settings section


# --- eval -------------------------------------------------------------------------------------


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    image(tmp_path / "set" / "hit.jpg")
    image(tmp_path / "set" / "miss.jpg", with_plate=False)
    path = tmp_path / "set" / "labels.csv"
    path.write_text(
        "region,image,x,y,w,h,plate,img_w,img_h\n"
        "us,hit.jpg,10,20,50,20,AB0123,80,60\n"
        "us,miss.jpg,10,20,50,20,XYZ789,80,60\n"
        "eu,hit.jpg,10,20,50,20,ABO123,80,60\n"  # O for 0
        "eu,placeholder.jpg,10,20,50,20,0,80,60\n"
    )
    return path


def test_eval_json_ends_with_the_summary(labels: Path, engine_loads: list[object]) -> None:
    status, out, err = run("eval", str(labels), "--json")
    assert (status, err) == (0, "")
    summary = json.loads(out.splitlines()[-1])
    assert summary["images"] == 3
    assert summary["detection_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["exact_match"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["cer"] == pytest.approx(6 / 18, abs=1e-4)
    assert summary["latency_ms_median"] >= 0
    assert summary["regions"]["eu"]["exact_match"] == 1.0
    assert summary["skipped"]["placeholder_labels"] == 1


def test_eval_reports_bad_rows_and_missing_images_but_still_scores(
    labels: Path, engine_loads: list[object], tmp_path: Path
) -> None:
    with labels.open("a") as handle:
        handle.write("us,gone.jpg,10,20,50,20,GONE1,80,60\nus,hit.jpg,1,2,three,4,BAD1,80,60\n")
    misses = tmp_path / "misses.csv"
    status, out, err = run("eval", str(labels), "--json", "--misses", str(misses))
    assert status == 1
    assert f"error: {labels}:7: box x,y,w,h must be whole numbers" in err.splitlines()
    assert f"error: {labels.parent / 'gone.jpg'}: file not found" in err.splitlines()
    summary = json.loads(out.splitlines()[-1])
    assert summary["images"] == 3
    assert summary["skipped"]["missing_images"] == 1 and summary["skipped"]["bad_rows"] == 1
    rows = list(csv.DictReader(misses.open()))
    assert [(r["image"], r["label"], r["read"]) for r in rows] == [("miss.jpg", "XYZ789", "")]


def test_eval_table_output(labels: Path, engine_loads: list[object]) -> None:
    status, out, _ = run("eval", str(labels))
    assert status == 0
    assert "all" in out and "0.667" in out and "skipped: placeholder labels 1" in out


def test_eval_refuses_an_unusable_labels_file(tmp_path: Path, engine_loads: list[object]) -> None:
    status, out, err = run("eval", str(tmp_path / "none.csv"), "--json")
    assert (status, out) == (1, "")
    assert err == f"error: {tmp_path / 'none.csv'}: labels file not found\n"
    assert engine_loads == []


# --- the real models --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_engine_reads_a_labeled_plate(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLATEWARD_CONFIG", raising=False)
    car = shared_data / "openalpr-dev" / "us" / "316b64c0-55bf-4079-a1c0-d93f461a576f.jpg"
    status, out, err = run("read", str(car), "--json")
    assert status == 0, err
    plates = [json.loads(line)["plate"] for line in out.splitlines()]
    assert "K179658" in plates  # BASELINE.md: the raw components read it too
