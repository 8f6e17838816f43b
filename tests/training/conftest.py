"""A folder of drawn plate crops with a labels.csv, as the real crop sets are laid out."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.training import fonts
from plateward.training.synth import synthetic_plate


@pytest.fixture
def crop_labels(tmp_path: Path) -> Path:
    """Twenty drawn plates and their labels.csv; some fall in the held-out fifth."""
    fonts.require_all()
    folder = tmp_path / "crops"
    folder.mkdir()
    rows = []
    for i in range(20):
        sample = synthetic_plate(np.random.default_rng([5, i]))
        cv2.imwrite(str(folder / f"{i}.png"), sample.image)
        rows.append({"image": f"{i}.png", "plate": sample.plate})
    with (folder / "labels.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["image", "plate"])
        writer.writeheader()
        writer.writerows(rows)
    return folder / "labels.csv"
