"""Reading the words on a plate besides its registration, and naming its state from them."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.hotlist.matcher import ListRule, Matcher, ReadToMatch, Watch
from plateward.recognition.engine import Engine
from plateward.recognition.plate_words import PlateWordReader
from plateward.recognition.reader_rapidocr import RapidOcrReader
from plateward.recognition.types import Detection
from plateward.settings import RecognitionSettings
from tests.recognition.test_reader import rendered_plate


@pytest.fixture(scope="module")
def words() -> PlateWordReader:
    return PlateWordReader(threads=2)


def plate_with_lines(serial: str, above: str, below: str) -> np.ndarray:
    """A plate with one line of words over its serial and one under it."""
    plate = np.full((130, 300, 3), 235, dtype=np.uint8)
    cv2.rectangle(plate, (3, 3), (296, 126), (40, 40, 40), 2)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for text, y, scale in ((above, 26, 0.6), (below, 118, 0.5)):
        (w, _), _ = cv2.getTextSize(text, font, scale, 1)
        cv2.putText(plate, text, ((300 - w) // 2, y), font, scale, (60, 60, 180), 1, cv2.LINE_AA)
    cv2.putText(plate, serial, (22, 90), font, 1.8, (20, 20, 20), 5, cv2.LINE_AA)
    return plate


def letters(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalpha())


def test_reads_the_state_name_and_not_the_registration(words: PlateWordReader) -> None:
    (texts,) = words.words([rendered_plate("HBX4927")])
    assert [letters(t) for t in texts] == ["OHIO"]


def test_reads_on_past_a_slogan_until_a_name(words: PlateWordReader) -> None:
    image = plate_with_lines("HBX4927", "Ohio", "BIRTHPLACE OF AVIATION")
    (texts,) = words.words([image])
    assert [letters(t) for t in texts] == ["BIRTHPLACEOFAVIATION", "OHIO"]  # widest first


def test_stops_at_the_first_line_that_names_the_state(words: PlateWordReader) -> None:
    image = plate_with_lines("7ABC123", "CALIFORNIA", "dmv")
    (texts,) = words.words([image])
    assert [letters(t) for t in texts] == ["CALIFORNIA"]


def test_blank_and_tiny_crops_have_no_words(words: PlateWordReader) -> None:
    blank = np.full((100, 200, 3), 200, dtype=np.uint8)
    tiny = np.zeros((4, 30, 3), dtype=np.uint8)
    grey = np.full((60, 120), 128, dtype=np.uint8)
    assert words.words([blank, tiny, grey]) == [(), (), ()]
    assert words.words([]) == []


def read_whole(engine: Engine, image: np.ndarray) -> tuple[str, str | None, float]:
    box = (0, 0, image.shape[1], image.shape[0])
    (read,) = engine.read_detections(image, [Detection(box, 0.9)], "plate.png")
    return read.plate, read.region, read.region_confidence


def test_the_engine_names_the_state_it_read() -> None:
    image = rendered_plate("HBX4927")
    on = Engine.from_settings(RecognitionSettings(threads=2, plate_regions=("us",)))
    off = Engine.from_settings(
        RecognitionSettings(threads=2, plate_regions=("us",), read_state=False)
    )
    assert on.words is not None and off.words is None
    assert read_whole(on, image) == ("HBX4927", "us-oh", 0.9)
    plate, region, _ = read_whole(off, image)
    assert plate == "HBX4927"
    assert region != "us-oh"  # ABC1234 is issued in several states: no state from its format


@pytest.mark.parametrize(("read_state", "alerts_on_pa_entry"), [(True, False), (False, True)])
def test_a_hot_list_entry_of_another_state_does_not_alert_on_a_named_plate(
    read_state: bool, alerts_on_pa_entry: bool
) -> None:
    """The plate says Ohio: an entry for the same serial issued in Pennsylvania is another car."""
    settings = RecognitionSettings(threads=2, plate_regions=("us",), read_state=read_state)
    image = rendered_plate("HBX4927")
    box = (0, 0, image.shape[1], image.shape[0])
    (read,) = Engine.from_settings(settings).read_detections(image, [Detection(box, 0.9)], "x")
    lists = [ListRule(list_id=1, agency_id=1)]
    as_read = ReadToMatch(read.plate, (), read.region, read.region_confidence, agency_id=1)
    for state, alerts in (("PA", alerts_on_pa_entry), ("OH", True)):
        entry = Watch(1, 1, "HBX4927", state, None, None)
        assert bool(Matcher(lists, [entry]).match(as_read, 0.0)) is alerts, state


@pytest.mark.shared_data
def test_real_plates_name_their_states(shared_data: Path) -> None:
    """One crop of each of twelve states, the first of each by file name."""
    folder = shared_data / "openalpr-dev" / "us_plate_crops"
    with (folder / "labels.csv").open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: r["image"])
    first: dict[str, dict[str, str]] = {}
    for row in rows:
        first.setdefault(row["state"].lower(), row)
    chosen = [
        first[s] for s in ("ca", "dc", "fl", "il", "md", "mi", "ny", "oh", "pa", "tx", "va", "wa")
    ]
    engine = Engine.from_settings(RecognitionSettings(threads=2, plate_regions=("us",)))
    named = {}
    for row in chosen:
        image = cv2.imread(str(folder / row["image"]))
        assert image is not None
        read = engine.read_crop(np.asarray(image, dtype=np.uint8), row["image"])
        named[row["state"].lower()] = read.region if read else None
    wrong = {
        s: r for s, r in named.items() if r is not None and r.startswith("us-") and r != f"us-{s}"
    }
    assert wrong == {}
    assert sum(r == f"us-{s}" for s, r in named.items()) >= 10, named


def test_the_reader_and_the_word_reader_run_the_text_detector_once_per_crop() -> None:
    engine = Engine.from_settings(RecognitionSettings(threads=2, plate_regions=("us",)))
    assert isinstance(engine.reader, RapidOcrReader) and engine.reader.text is not None
    assert engine.words is not None and engine.words.text is engine.reader.text
    text = engine.reader.text
    crop = rendered_plate("HBX4927")
    first = text.map(crop)
    assert text.map(crop) is first  # the same crop: its map, remembered
    again = text.map(crop.copy())  # another crop, however alike: its own run
    assert again is not first and np.array_equal(again, first)
    for _ in range(text.REMEMBERED):
        text.map(crop.copy())
    assert text.map(crop) is not first  # only the latest crops are remembered
