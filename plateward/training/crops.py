"""Real labeled plate crops for training, from the shared data sets.

Three shapes of labels file are read:

* ``us_plate_crops/labels.csv`` (image, state, plate): images that are already one plate;
* ``ar-plate-crops/labels.csv`` (image, plate): the same, Argentine plates;
* ``openalpr-dev/labels.csv`` (region, image, x, y, w, h, plate, ...): whole images with a box;
  the crop is cut at training time, its box moved a little each time as a detector's would.

The US whole images of ``openalpr-dev`` are the final test of the recognizer and never train
it: ``load_crops`` refuses those rows rather than trusting the caller to leave them out.
A fixed share of each set (chosen by a hash of the file name, so it never moves between runs)
is held out for validation during training.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from plateward.errors import InvalidInput
from plateward.recognition import confusions
from plateward.recognition.interfaces import Image

TEST_ONLY_REGIONS = frozenset({"us"})
"""Regions of the whole-image set kept for the final test (docs/recognizer.md)."""

HOLDOUT_SHARE = 0.2


@dataclass(frozen=True)
class LabeledCrop:
    path: Path
    plate: str
    source: str
    """Which labels file it came from: us-crops, ar-crops, eu, br."""
    box: tuple[int, int, int, int] | None = None
    """Where the plate is in a whole image (x, y, w, h); None for an image that is one plate."""

    @property
    def holdout(self) -> bool:
        digest = hashlib.sha256(f"{self.source}/{self.path.name}".encode()).digest()
        return digest[0] < 256 * HOLDOUT_SHARE

    def load(self) -> Image:
        image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None:
            raise InvalidInput(f"{self.path}: cannot read image")
        return np.asarray(image, np.uint8)


def load_crops(labels: Path) -> list[LabeledCrop]:
    """Every usable labeled crop of one labels file; a clear error for a missing or bad file."""
    if not labels.is_file():
        raise InvalidInput(f"{labels}: training labels not found")
    try:
        with labels.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"{labels}: cannot read labels: {exc}") from exc
    if not rows:
        raise InvalidInput(f"{labels}: no labeled rows")
    columns = set(rows[0])
    folder = labels.parent
    crops: list[LabeledCrop] = []
    if {"region", "image", "x", "y", "w", "h", "plate"} <= columns:
        for number, row in enumerate(rows, start=2):
            region = row["region"]
            if region in TEST_ONLY_REGIONS:
                continue
            try:
                box = (int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
            except ValueError as exc:
                raise InvalidInput(f"{labels}:{number}: bad box: {exc}") from exc
            crops.append(
                _crop(folder / region / row["image"], row["plate"], region, box, labels, number)
            )
    elif {"image", "plate"} <= columns:
        source = "us-crops" if "state" in columns else "ar-crops"
        images = folder / "images" if (folder / "images").is_dir() else folder
        for number, row in enumerate(rows, start=2):
            crops.append(_crop(images / row["image"], row["plate"], source, None, labels, number))
    else:
        raise InvalidInput(
            f"{labels}: columns {sorted(columns)} are neither image,plate nor "
            "region,image,x,y,w,h,plate"
        )
    missing = [c.path for c in crops if not c.path.is_file()]
    if missing:
        raise InvalidInput(
            f"{missing[0]}: image named in {labels} not found ({len(missing)} missing)"
        )
    return crops


def _crop(
    path: Path,
    plate: str,
    source: str,
    box: tuple[int, int, int, int] | None,
    labels: Path,
    number: int,
) -> LabeledCrop:
    text = confusions.normalise(plate)
    if not text:
        raise InvalidInput(f"{labels}:{number}: empty plate label")
    return LabeledCrop(path, text, source, box)


def default_label_files(data: Path) -> list[Path]:
    """The training label files inside a ``shared/data`` folder."""
    return [
        data / "openalpr-dev" / "us_plate_crops" / "labels.csv",
        data / "openalpr-dev" / "labels.csv",
        data / "ar-plate-crops" / "labels.csv",
    ]


def load_all(files: Sequence[Path]) -> list[LabeledCrop]:
    crops: list[LabeledCrop] = []
    for path in files:
        crops.extend(load_crops(path))
    return crops


def cut(image: Image, box: tuple[int, int, int, int]) -> Image:
    x, y, w, h = box
    return image[max(y, 0) : y + h, max(x, 0) : x + w]


def source_counts(crops: Sequence[LabeledCrop]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for crop in crops:
        counts[crop.source] = counts.get(crop.source, 0) + 1
    return counts
