"""The plate reader model shipped in the package: it loads, agrees with its config, and reads.

The floors are set under what the shipped models have measured (docs/recognizer.md: the first
one's mean character similarity was 0.65 on clean synthetic plates; the 12,000-step one reads
0.60 of the held-out US crops exactly) and far over what a broken one does (a model fed the
wrong pixels scores about 0.1).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.recognition.backends import load_reader
from plateward.recognition.fusion import similarity
from plateward.recognition.reader_fast_plate_ocr import FastPlateOcrReader, packaged_model
from plateward.recognition.reader_fused import FusedReader, fuse_hypotheses
from plateward.recognition.types import Reading
from plateward.settings import RecognitionSettings
from plateward.training.synth import photograph, render_plate


@pytest.fixture(scope="module")
def reader() -> FastPlateOcrReader:
    return FastPlateOcrReader(*packaged_model(), threads=1)


def test_the_packaged_model_is_small_and_loads_by_name() -> None:
    model, config = packaged_model()
    assert model.is_file() and config.is_file()
    assert model.stat().st_size < 8_000_000
    reader = load_reader(RecognitionSettings(threads=1, reader="plateward"))
    assert isinstance(reader, FastPlateOcrReader)
    assert isinstance(
        load_reader(RecognitionSettings(threads=1, reader="plateward+rapidocr")), FusedReader
    )


def _similarity(reader: FastPlateOcrReader, image: np.ndarray, plate: str) -> float:
    readings = reader.read([image])[0]
    return similarity(readings[0].text if readings else "", plate)


def test_it_reads_clean_synthetic_plates(reader: FastPlateOcrReader) -> None:
    """Plates drawn with seeds the training stream never uses, photographed but not degraded."""
    scores = []
    for i in range(30):
        rng = np.random.default_rng([999_999, i])
        flat, plate = render_plate("us", rng)
        scores.append(_similarity(reader, photograph(flat, rng), plate))
    assert float(np.mean(scores)) >= 0.5


def test_readings_carry_character_confidences_and_alternatives(
    reader: FastPlateOcrReader,
) -> None:
    rng = np.random.default_rng([999_998, 1])
    flat, _ = render_plate("us", rng)
    blurred = np.asarray(cv2.GaussianBlur(photograph(flat, rng), (7, 7), 0), np.uint8)
    readings = reader.read([blurred])[0]
    assert readings
    for reading in readings:
        assert len(reading.char_confidences) == len(reading.text)
        assert 0 < reading.confidence <= 1
    assert readings == sorted(readings, key=lambda r: -r.confidence)


def test_a_blank_crop_reads_little_or_nothing(reader: FastPlateOcrReader) -> None:
    readings = reader.read([np.full((50, 100, 3), 127, np.uint8)])[0]
    assert not readings or readings[0].confidence < 0.5


@pytest.mark.shared_data
@pytest.mark.slow
def test_it_reads_the_held_out_us_crops(shared_data: Path, reader: FastPlateOcrReader) -> None:
    from plateward.training.crops import load_crops

    labels = shared_data / "openalpr-dev/us_plate_crops/labels.csv"
    held_out = [c for c in load_crops(labels) if c.holdout]
    scores = [_similarity(reader, c.load(), c.plate) for c in held_out]
    assert len(scores) >= 50 and float(np.mean(scores)) >= 0.5


def test_fusion_pools_what_both_readers_read_and_adds_their_vote() -> None:
    a = [
        Reading("7ABC128", 0.6, (0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.4)),
        Reading("7ABC123", 0.3, (0.9,) * 7),
    ]
    b = [Reading("1ABC123", 0.7, (0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9))]
    fused = fuse_hypotheses([a, b], 5)
    texts = [r.text for r in fused]
    assert texts[0] == "1ABC123" or texts[0] == "7ABC123"
    assert "7ABC123" in texts  # the character vote: 7 from a, 3 from b
    assert set(texts) >= {"7ABC128", "1ABC123"}
    assert fused == sorted(fused, key=lambda r: (-r.confidence, r.text))


def test_the_fused_reader_reads_with_both() -> None:
    class Fixed:
        def __init__(self, readings: list[Reading]) -> None:
            self.readings = readings

        def read(self, crops: object) -> list[list[Reading]]:
            return [self.readings]

    fused = FusedReader([Fixed([Reading("ABC123", 0.8)]), Fixed([Reading("ABC123", 0.6)])])
    (readings,) = fused.read([np.zeros((4, 4, 3), np.uint8)])
    assert readings[0].text == "ABC123" and readings[0].confidence == pytest.approx(0.7)
