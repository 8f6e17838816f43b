"""Scoring: the metrics on hand-made cases, the three label formats, and runs with a fake engine."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TypedDict

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.recognition.evaluate import (
    LabelFormat,
    character_error_rate,
    edit_distance,
    evaluate,
    iou,
    load_labels,
    plates_match,
    write_misses,
)
from plateward.recognition.interfaces import Image
from plateward.recognition.types import Box, PlateRead


class Limits(TypedDict):
    max_pixels: int
    max_file_bytes: int


LIMITS: Limits = {"max_pixels": 80_000_000, "max_file_bytes": 100_000_000}
IMAGE_HEADER = "region,image,x,y,w,h,plate,img_w,img_h\n"


def plate_read(plate: str, box: Box = (0, 0, 10, 10), confidence: float = 0.9) -> PlateRead:
    return PlateRead(
        source="fake",
        plate=plate,
        raw_text=plate,
        confidence=confidence,
        char_confidences=(),
        alternatives=(),
        box=box,
        polygon=(),
        detection_confidence=0.8,
        region=None,
        region_confidence=0.0,
    )


class FakeEngine:
    """Reads whatever the test scripted for each file name."""

    def __init__(self, reads: dict[str, list[PlateRead]]) -> None:
        self.reads = reads
        self.calls: list[str] = []

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        assert image.ndim == 3 and image.dtype == np.uint8
        self.calls.append(Path(source).name)
        return self.reads.get(Path(source).name, [])

    def read_crop(self, crop: Image, source: str) -> PlateRead | None:
        self.calls.append(Path(source).name)
        found = self.reads.get(Path(source).name, [])
        return found[0] if found else None


def make_images(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name), np.full((100, 200, 3), 90, np.uint8))


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- metrics ----------------------------------------------------------------------------------


def test_iou_on_known_boxes() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0  # touching edges share no pixel
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (2, 2, 4, 4)) == pytest.approx(4 / 100)
    assert iou((5, 5, 5, 9), (0, 0, 10, 10)) == 0.0  # empty box


boxes = st.tuples(
    st.integers(0, 50), st.integers(0, 50), st.integers(1, 50), st.integers(1, 50)
).map(lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3]))


@given(boxes, boxes)
def test_iou_is_symmetric_and_bounded(a: Box, b: Box) -> None:
    assert iou(a, b) == pytest.approx(iou(b, a))
    assert 0.0 <= iou(a, b) <= 1.0
    assert iou(a, a) == 1.0


def test_letter_o_and_digit_zero_are_one_character() -> None:
    assert plates_match("0SG719", "OSG719")
    assert plates_match("AB0O12", "ABO012")
    assert not plates_match("0SG719", "QSG719")
    assert not plates_match("ABC123", "ABC1234")
    assert character_error_rate("WSQ3O21", "WSQ3021") == 0.0


def test_character_error_rate_on_hand_made_reads() -> None:
    assert character_error_rate("ABC123", "ABC123") == 0.0
    assert character_error_rate("ABC123", "ABC128") == pytest.approx(1 / 6)
    assert character_error_rate("AYX8803", "MAYX8803") == pytest.approx(1 / 7)  # extra char
    assert character_error_rate("PVX0095", "0095") == pytest.approx(3 / 7)  # dropped chars
    assert character_error_rate("ABC123", "") == 1.0
    assert character_error_rate("AB", "XYZW") == 2.0  # long garbage costs more than nothing
    with pytest.raises(ValueError):
        character_error_rate("", "A")


plates = st.text(alphabet="ABO0123", max_size=8)


@given(plates, plates, plates)
def test_edit_distance_is_a_metric(a: str, b: str, c: str) -> None:
    assert edit_distance(a, a) == 0
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, c) <= edit_distance(a, b) + edit_distance(b, c)
    assert abs(len(a) - len(b)) <= edit_distance(a, b) <= max(len(a), len(b))


# --- label files ------------------------------------------------------------------------------


def test_whole_image_labels_parse_with_boxes_and_bad_rows(tmp_path: Path) -> None:
    labels = write_csv(
        tmp_path / "labels.csv",
        "\ufeff"
        + IMAGE_HEADER
        + "us,a.jpg,10,20,30,15,abc-123,200,100\n"
        + "EU,b.jpg,1,2,3,4,XY99,200,100\n"
        + "br,c.jpg,1,2,3,4,0,200,100\n"  # placeholder
        + "us,d.jpg,ten,2,3,4,AAA111,200,100\n"  # bad box
        + "us,e.jpg,1,2,0,4,AAA111,200,100\n"  # empty box
        + "us,f.jpg,1\n"  # short row
        + "us,g.jpg,1,2,3,4,-,200,100\n"  # no plate text
        + "br,h.jpg,-1,5,20,10,BR1,200,100\n"  # starts outside: clipped
        + "\n",
    )
    label_set = load_labels(labels)
    assert label_set.format is LabelFormat.IMAGES
    assert [(lb.region, lb.image, lb.plate, lb.box) for lb in label_set.labels] == [
        ("us", "a.jpg", "ABC123", (10, 20, 40, 35)),
        ("eu", "b.jpg", "XY99", (1, 2, 4, 6)),
        ("br", "h.jpg", "BR1", (0, 5, 19, 15)),
    ]
    assert label_set.labels[0].path == tmp_path / "a.jpg"
    assert label_set.placeholders == 1
    assert [p.where for p in label_set.problems] == [f"{labels}:{n}" for n in (5, 6, 7, 8)]
    assert all(p.kind == "bad_row" for p in label_set.problems)


def test_state_crop_labels_parse(tmp_path: Path) -> None:
    labels = write_csv(tmp_path / "labels.csv", "image,state,plate\nak1.png,ak,FUW999\n")
    label_set = load_labels(labels)
    assert label_set.format is LabelFormat.STATE_CROPS and label_set.crops
    (label,) = label_set.labels
    assert (label.plate, label.box, label.region) == ("FUW999", None, "crops")


def test_plain_crop_labels_find_images_in_an_images_folder(tmp_path: Path) -> None:
    make_images(tmp_path, "images/night_1.png")
    labels = write_csv(tmp_path / "labels.csv", "image,plate\nnight_1.png,AD054JI\nnone.png,X1\n")
    label_set = load_labels(labels)
    assert label_set.format is LabelFormat.CROPS
    assert label_set.labels[0].path == tmp_path / "images" / "night_1.png"
    assert label_set.labels[1].path == tmp_path / "none.png"  # reported missing later


def test_whole_images_are_found_in_their_region_folder(tmp_path: Path) -> None:
    make_images(tmp_path, "us/car1.jpg", "beside.jpg")
    labels = write_csv(
        tmp_path / "labels.csv",
        IMAGE_HEADER + "us,car1.jpg,1,2,3,4,ABC1,9,9\nus,beside.jpg,1,2,3,4,ABC2,9,9\n",
    )
    paths = [label.path for label in load_labels(labels).labels]
    assert paths == [tmp_path / "us" / "car1.jpg", tmp_path / "beside.jpg"]


@pytest.mark.parametrize(
    ("content", "words"),
    [("", "(empty)"), ("file,text\na,b\n", "header file,text is not a labels format")],
)
def test_unknown_label_formats_are_refused(tmp_path: Path, content: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        load_labels(write_csv(tmp_path / "labels.csv", content))


def test_missing_or_binary_label_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="labels file not found"):
        load_labels(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        load_labels(tmp_path / "bin.csv")


# --- runs -------------------------------------------------------------------------------------


@pytest.fixture
def image_set(tmp_path: Path) -> Path:
    make_images(
        tmp_path,
        "hit.jpg",
        "o-for-zero.jpg",
        "misread.jpg",
        "two-plates.jpg",
        "off-box.jpg",
        "nothing.jpg",
        "eu1.jpg",
    )
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return write_csv(
        tmp_path / "labels.csv",
        IMAGE_HEADER
        + "us,hit.jpg,10,10,50,20,ABC123,200,100\n"
        + "us,o-for-zero.jpg,10,10,50,20,0SG719,200,100\n"
        + "us,misread.jpg,10,10,50,20,PVX0095,200,100\n"
        + "us,two-plates.jpg,100,50,50,20,KEEP1,200,100\n"
        + "us,off-box.jpg,10,10,50,20,FAR1,200,100\n"
        + "us,nothing.jpg,10,10,50,20,NONE1,200,100\n"
        + "eu,eu1.jpg,10,10,50,20,WSQ3O21,200,100\n"
        + "eu,gone.jpg,10,10,50,20,GONE1,200,100\n"
        + "eu,corrupt.jpg,10,10,50,20,BAD1,200,100\n"
        + "eu,bad-row.jpg,x,10,50,20,BAD2,200,100\n",
    )


@pytest.fixture
def fake_engine() -> FakeEngine:
    on_label = (10, 10, 60, 30)
    return FakeEngine(
        {
            "hit.jpg": [plate_read("ABC123", (12, 11, 61, 30), 0.97)],
            "o-for-zero.jpg": [plate_read("OSG719", on_label)],
            "misread.jpg": [plate_read("0095", (30, 10, 60, 30), 0.6)],  # IoU 0.6
            # A more confident read elsewhere must not be taken for the labeled plate.
            "two-plates.jpg": [
                plate_read("OTHER9", (0, 0, 40, 20), 0.99),
                plate_read("KEEP1", (101, 52, 149, 70), 0.7),
            ],
            "off-box.jpg": [plate_read("FAR1", (50, 10, 100, 30))],  # IoU 1/9: not this plate
            "eu1.jpg": [plate_read("WSQ3021", on_label)],
        }
    )


def test_whole_images_are_scored_by_the_best_overlapping_read(
    image_set: Path, fake_engine: FakeEngine
) -> None:
    evaluation = evaluate(fake_engine, load_labels(image_set), **LIMITS)
    by_image = {o.label.image: o for o in evaluation.outcomes}
    assert by_image["two-plates.jpg"].read == "KEEP1"
    assert by_image["two-plates.jpg"].exact
    assert by_image["off-box.jpg"].read == "" and not by_image["off-box.jpg"].detected
    assert by_image["off-box.jpg"].iou == pytest.approx(1 / 9)
    assert by_image["nothing.jpg"].iou == 0.0 and by_image["nothing.jpg"].confidence is None
    assert by_image["misread.jpg"].detected and not by_image["misread.jpg"].exact

    us = evaluation.score("us")
    assert us.images == 6
    assert us.detection_recall == pytest.approx(4 / 6)
    assert us.exact_match == pytest.approx(3 / 6)
    label_chars = 6 + 6 + 7 + 5 + 4 + 5
    assert us.cer == pytest.approx((0 + 0 + 3 + 0 + 4 + 5) / label_chars)
    assert evaluation.score("eu").exact_match == 1.0
    overall = evaluation.score()
    assert overall.images == 7 and overall.exact_match == pytest.approx(4 / 7)
    assert overall.latency_ms_median is not None and overall.latency_ms_median >= 0
    assert overall.latency_ms_p90 is not None
    assert overall.latency_ms_p90 >= overall.latency_ms_median

    assert evaluation.problem_counts() == {
        "placeholder_labels": 0,
        "bad_rows": 1,
        "missing_images": 1,
        "unreadable_images": 1,
    }
    assert "gone.jpg" not in fake_engine.calls and "corrupt.jpg" not in fake_engine.calls


def test_json_summary_has_the_documented_keys(image_set: Path, fake_engine: FakeEngine) -> None:
    summary = evaluate(fake_engine, load_labels(image_set), **LIMITS).to_json()
    json.dumps(summary)  # serialisable
    for key in (
        "images",
        "detection_recall",
        "exact_match",
        "cer",
        "latency_ms_median",
        "latency_ms_p90",
        "regions",
        "skipped",
    ):
        assert key in summary
    assert summary["images"] == 7
    assert set(summary["regions"]) == {"eu", "us"}
    assert summary["regions"]["eu"]["exact_match"] == 1.0


def test_misses_csv_lists_every_miss(
    image_set: Path, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    evaluation = evaluate(fake_engine, load_labels(image_set), **LIMITS)
    out = tmp_path / "misses.csv"
    assert write_misses(evaluation, out) == 3
    rows = list(csv.DictReader(out.open()))
    assert [r["image"] for r in rows] == ["misread.jpg", "off-box.jpg", "nothing.jpg"]
    assert rows[0] == {
        "image": "misread.jpg",
        "region": "us",
        "label": "PVX0095",
        "read": "0095",
        "confidence": "0.6000",
        "iou": "0.600",
    }
    assert rows[2]["read"] == "" and rows[2]["confidence"] == ""


def test_regions_and_limit_select_labels(image_set: Path, fake_engine: FakeEngine) -> None:
    evaluation = evaluate(fake_engine, load_labels(image_set), regions={"us"}, limit=2, **LIMITS)
    assert [o.label.image for o in evaluation.outcomes] == ["hit.jpg", "o-for-zero.jpg"]


def test_crops_are_read_whole_and_have_no_detection_recall(tmp_path: Path) -> None:
    make_images(tmp_path, "a.png", "b.png", "c.png")
    labels = write_csv(
        tmp_path / "labels.csv",
        "image,state,plate\na.png,ak,FUW999\nb.png,ca,7ABC123\nc.png,ny,X0\n",
    )
    engine = FakeEngine({"a.png": [plate_read("FUW999")], "b.png": [plate_read("7ABC128")]})
    evaluation = evaluate(engine, load_labels(labels), **LIMITS)
    score = evaluation.score()
    assert score.detection_recall is None
    assert score.exact_match == pytest.approx(1 / 3)
    assert score.cer == pytest.approx((0 + 1 + 2) / (6 + 7 + 2))
    assert evaluation.to_json()["detection_recall"] is None
    assert [o.iou for o in evaluation.outcomes] == [None, None, None]


def test_an_empty_selection_scores_nothing(image_set: Path, fake_engine: FakeEngine) -> None:
    score = evaluate(fake_engine, load_labels(image_set), regions={"br"}, **LIMITS).score()
    assert score.images == 0 and score.exact_match is None and score.latency_ms_median is None
