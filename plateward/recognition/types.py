"""The values that flow through recognition: detections, text hypotheses and finished reads.

They are plain frozen dataclasses so that the edge agent, the server and the tests can pass them
around without importing onnxruntime or OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Box = tuple[int, int, int, int]
"""x1, y1, x2, y2 in pixels of the source image; x2 and y2 exclusive."""

Polygon = tuple[tuple[int, int], ...]
"""The plate's outline as (x, y) corners in source pixels, clockwise from top-left."""


@dataclass(frozen=True)
class Detection:
    """One plate the detector found in one image."""

    box: Box
    confidence: float
    polygon: Polygon = ()
    """Four corners from the segmentation mask when the detector has one, else empty."""
    weak: bool = False
    """Scored below the detection threshold: a plate only if its reading confirms it (engine)."""


@dataclass(frozen=True)
class Reading:
    """One hypothesis of a plate's text from a reader, before plate formats are applied."""

    text: str
    """Upper-case A-Z0-9 only."""
    confidence: float
    char_confidences: tuple[float, ...] = ()


@dataclass(frozen=True)
class Alternative:
    plate: str
    confidence: float


@dataclass(frozen=True)
class PlateRead:
    """A finished read: what the engine says a plate in an image says, and how sure it is."""

    source: str
    plate: str
    """Normalised A-Z0-9 text."""
    raw_text: str
    """The reader's text before formats and confusions were applied."""
    confidence: float
    char_confidences: tuple[float, ...]
    alternatives: tuple[Alternative, ...]
    box: Box
    polygon: Polygon
    detection_confidence: float
    region: str | None
    """Best guess of the issuing state or country (e.g. "us-ca", "eu", "br"), or None."""
    region_confidence: float
    crop_jpeg: bytes = field(repr=False, default=b"")
    frame_index: int | None = None
    """For video: the frame the best crop came from."""
    timestamp_s: float | None = None
    """For video: seconds from the start of the stream to that frame."""
    frames_seen: int = 1
    """For video: how many frames of this vehicle's pass were fused into the read."""

    def to_json(self) -> dict[str, Any]:
        """The JSON shape `plateward read --json` prints; the crop stays out (it is binary)."""
        out: dict[str, Any] = {
            "source": self.source,
            "plate": self.plate,
            "raw_text": self.raw_text,
            "confidence": round(self.confidence, 4),
            "char_confidences": [round(c, 4) for c in self.char_confidences],
            "alternatives": [
                {"plate": a.plate, "confidence": round(a.confidence, 4)} for a in self.alternatives
            ],
            "box": list(self.box),
            "polygon": [list(p) for p in self.polygon],
            "detection_confidence": round(self.detection_confidence, 4),
            "region": self.region,
            "region_confidence": round(self.region_confidence, 4),
            "crop_jpeg_bytes": len(self.crop_jpeg),
        }
        if self.frame_index is not None:
            out["frame_index"] = self.frame_index
            out["timestamp_s"] = None if self.timestamp_s is None else round(self.timestamp_s, 3)
            out["frames_seen"] = self.frames_seen
        return out
