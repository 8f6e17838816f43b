"""Loading the real training crops: the US test images never train, bad files say so."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.errors import InvalidInput
from plateward.training import crops


def write_image(path: Path, w: int = 80, h: int = 40) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w, 3), 200, np.uint8))


def test_whole_image_labels_keep_eu_and_br_and_refuse_the_us_test_images(tmp_path: Path) -> None:
    for region, name in (("us", "u1.jpg"), ("eu", "e1.jpg"), ("br", "b1.jpg")):
        write_image(tmp_path / region / name, 200, 100)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "region,image,x,y,w,h,plate,img_w,img_h\n"
        "us,u1.jpg,10,10,50,20,7ABC123,200,100\n"
        "eu,e1.jpg,10,10,50,20,M-AB 123,200,100\n"
        "br,b1.jpg,10,10,50,20,ABC1D23,200,100\n"
    )
    loaded = crops.load_crops(labels)
    assert [(c.source, c.plate, c.box) for c in loaded] == [
        ("eu", "MAB123", (10, 10, 50, 20)),
        ("br", "ABC1D23", (10, 10, 50, 20)),
    ]
    assert crops.cut(loaded[0].load(), loaded[0].box or (0, 0, 0, 0)).shape == (20, 50, 3)


def test_crop_labels_with_and_without_state(tmp_path: Path) -> None:
    write_image(tmp_path / "us" / "ca1.png")
    (tmp_path / "us" / "labels.csv").write_text("image,state,plate\nca1.png,ca,7abc123\n")
    write_image(tmp_path / "ar" / "images" / "m1.png")
    (tmp_path / "ar" / "labels.csv").write_text("image,plate\nm1.png,AB123CD\n")
    us = crops.load_crops(tmp_path / "us" / "labels.csv")
    ar = crops.load_crops(tmp_path / "ar" / "labels.csv")
    assert (us[0].source, us[0].plate, us[0].box) == ("us-crops", "7ABC123", None)
    assert (ar[0].source, ar[0].plate) == ("ar-crops", "AB123CD")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "training labels not found"),
        ("", "no labeled rows"),
        ("name,text\na.png,ABC\n", "columns"),
        ("image,plate\nmissing.png,ABC123\n", "missing.png: image named in"),
        ("image,plate\na.png,--\n", "empty plate label"),
        ("region,image,x,y,w,h,plate\neu,a.png,x,1,2,3,AB1\n", "bad box"),
    ],
)
def test_bad_training_labels_name_the_file(
    tmp_path: Path, content: str | None, message: str
) -> None:
    labels = tmp_path / "labels.csv"
    if content is not None:
        labels.write_text(content)
    write_image(tmp_path / "a.png")
    with pytest.raises(InvalidInput, match=message) as raised:
        crops.load_crops(labels)
    assert str(tmp_path) in raised.value.message


def test_an_unreadable_image_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"not a png")
    (tmp_path / "labels.csv").write_text("image,plate\na.png,ABC123\n")
    (crop,) = crops.load_crops(tmp_path / "labels.csv")
    with pytest.raises(InvalidInput, match="a.png: cannot read image"):
        crop.load()


def test_the_holdout_is_fixed_by_name_and_about_a_fifth() -> None:
    made = [crops.LabeledCrop(Path(f"x/{i}.png"), "ABC123", "us-crops") for i in range(2000)]
    share = sum(c.holdout for c in made) / len(made)
    assert 0.15 < share < 0.25
    again = [crops.LabeledCrop(Path(f"y/{i}.png"), "XYZ", "us-crops") for i in range(2000)]
    assert [c.holdout for c in made] == [c.holdout for c in again]  # the name decides


@pytest.mark.shared_data
def test_the_shared_training_sets_load_without_the_us_test_images(shared_data: Path) -> None:
    loaded = crops.load_all(crops.default_label_files(shared_data))
    counts = crops.source_counts(loaded)
    assert set(counts) == {"us-crops", "eu", "br", "ar-crops"}
    assert counts["us-crops"] >= 300 and counts["eu"] >= 100 and counts["br"] >= 100
    us_whole = {p.name for p in (shared_data / "openalpr-dev" / "us").iterdir()}
    assert not any(c.path.name in us_whole and c.box is not None for c in loaded)
