"""The two roles a recognition back-end can fill.

The engine only talks to these, so a back-end is swapped by settings and a test can hand the
engine a fake that implements the same method.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from plateward.recognition.types import Detection, Reading

Image = npt.NDArray[np.uint8]
"""An H x W x 3 BGR image, as OpenCV decodes it."""


class Detector(Protocol):
    def detect(self, image: Image) -> list[Detection]:
        """Every plate found in the image, best first."""
        ...


class Reader(Protocol):
    def read(self, crops: Sequence[Image]) -> list[list[Reading]]:
        """For each plate crop, its text hypotheses, best first (may be empty)."""
        ...
