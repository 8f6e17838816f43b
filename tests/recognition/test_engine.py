"""The engine's own rule: a weak detection is a plate only when its reading says so."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.recognition.engine import Engine
from plateward.recognition.types import Detection
from plateward.settings import RecognitionSettings
from tests.recognition.test_reader import rendered_plate


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(RecognitionSettings(threads=2, plate_regions=("us",)))


@pytest.mark.parametrize("text", ["WELCOME", "SALE", "STOP"])
def test_a_weak_detection_that_reads_as_a_word_is_dropped(engine: Engine, text: str) -> None:
    image = rendered_plate(text)
    whole = (0, 0, image.shape[1], image.shape[0])
    strong = engine.read_detections(image, [Detection(whole, 0.9)], "sign.png")
    weak = engine.read_detections(image, [Detection(whole, 0.2, weak=True)], "sign.png")
    assert [r.plate for r in strong] == [text]  # read, but not a plate layout
    assert weak == []


def test_a_weak_detection_that_reads_as_a_plate_is_kept(engine: Engine) -> None:
    image = rendered_plate("HBX4927")
    whole = (0, 0, image.shape[1], image.shape[0])
    (read,) = engine.read_detections(image, [Detection(whole, 0.2, weak=True)], "plate.png")
    assert read.plate == "HBX4927"
    assert read.detection_confidence == 0.2


def test_a_plate_behind_a_dark_frame_is_found_by_its_reading(shared_data: Path) -> None:
    """wts-lg-000017.jpg: the detector scores this plate 0.24 at every zoom, under 0.25."""
    folder = shared_data / "openalpr-dev"
    with (folder / "labels.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["image"] == "wts-lg-000017.jpg")
    picture = cv2.imread(str(folder / "us" / row["image"]))
    assert picture is not None
    image = np.asarray(picture, dtype=np.uint8)
    settings = RecognitionSettings(threads=2, plate_regions=("us",))
    found = Engine.from_settings(settings).read_image(image, row["image"])
    assert [(r.plate, r.detection_confidence < settings.detection_confidence) for r in found] == [
        (row["plate"], True)
    ]
    strict = settings.model_copy(
        update={"weak_detection_confidence": settings.detection_confidence}
    )
    assert Engine.from_settings(strict).read_image(image, row["image"]) == []
