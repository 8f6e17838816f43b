"""Optional detector: open-image-models' YOLO "end2end" plate detectors, from a local file.

Those ONNX files take one RGB image letterboxed to a square, scaled to 0..1, and return the
boxes already suppressed, one row per plate: (batch, x1, y1, x2, y2, class, score) in the
letterboxed frame. They have no mask, so detections carry no polygon and the plate is cut by
its box.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from plateward.errors import ConfigurationError
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_session import open_session
from plateward.recognition.types import Detection


class YoloEnd2EndDetector:
    def __init__(self, model_path: Path, *, threads: int = 2, confidence: float = 0.25) -> None:
        self.session = open_session(model_path, threads=threads)
        shape = self.session.get_inputs()[0].shape
        if len(shape) != 4 or not all(isinstance(d, int) for d in shape[2:]):
            raise ConfigurationError(
                f"{model_path}: expected a fixed N x 3 x H x W input, found {shape}"
            )
        self.input_name = self.session.get_inputs()[0].name
        self.height, self.width = int(shape[2]), int(shape[3])
        self.confidence = confidence

    def detect(self, image: Image) -> list[Detection]:
        tensor, scale, pad_x, pad_y = self._letterbox(image)
        (rows,) = self.session.run(None, {self.input_name: tensor})[:1]
        rows = np.asarray(rows, dtype=np.float32).reshape(-1, 7)
        h, w = image.shape[:2]
        found: list[Detection] = []
        for _, x1, y1, x2, y2, _, score in rows:
            if score < self.confidence:
                continue
            box = (
                int(np.clip((x1 - pad_x) / scale, 0, w)),
                int(np.clip((y1 - pad_y) / scale, 0, h)),
                int(np.clip((x2 - pad_x) / scale, 0, w)),
                int(np.clip((y2 - pad_y) / scale, 0, h)),
            )
            if box[2] > box[0] and box[3] > box[1]:
                found.append(Detection(box=box, confidence=float(score)))
        return sorted(found, key=lambda d: d.confidence, reverse=True)

    def _letterbox(self, image: Image) -> tuple[npt.NDArray[np.float32], float, float, float]:
        h, w = image.shape[:2]
        scale = min(self.height / h, self.width / w)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.full((self.height, self.width, 3), 114, dtype=np.uint8)
        pad_x, pad_y = (self.width - new_w) / 2, (self.height - new_h) / 2
        top, left = round(pad_y - 0.1), round(pad_x - 0.1)
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        canvas[top : top + new_h, left : left + new_w] = resized
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
        tensor = (rgb.transpose(2, 0, 1)[None].astype(np.float32)) / 255.0
        return tensor, scale, float(left), float(top)
