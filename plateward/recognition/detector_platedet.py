"""The default detector: platedet's YOLOv8-seg plate model, fully convolutional, with masks.

platedet's own wrapper is not used, for three reasons that each cost time or recall:

* Its model has a fixed 640 x 640 input, because its head decodes boxes for exactly 8400
  anchors. Here the graph is cut before that decoding, which leaves a fully convolutional
  network, and each image is padded only to the next multiple of 32: a 16:9 frame runs at
  640 x 384, ~40% less convolution. The boxes are decoded in NumPy for the anchors above the
  score floor. The model is also converted to float32 (``onnx_precision``), which keeps box
  coordinates out of float16's 0.5 px steps (``platedet_graph`` does the cutting).
* It returns boxes only. The mask prototypes and coefficients it discards give the plate's
  outline, from which ``straighten.cut_plate`` warps a tilted or skewed plate upright. They
  are computed only around the plates kept (``platedet_masks``), not for the whole frame.
* Plates on light vans and trucks can score far below any sane threshold in the whole frame
  (0.01-0.25 for most first-pass misses in the dev data), yet score 0.6-0.9 when magnified.
  When the first pass finds nothing at the configured confidence, a second look zooms on the
  best few weak candidates. On the dev data 4 of 113 us frames pay for it. If even that finds
  nothing, the candidates the second look scored at ``weak_confidence`` or more are returned
  marked weak, and the engine keeps one only if it reads as a confident plate of a known
  format: a plate behind a dark frame scored 0.24 at any zoom and read 7FR971 at 0.997.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from plateward.errors import ConfigurationError, InvalidInput
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_session import open_session
from plateward.recognition.platedet_graph import (
    IMAGE_INPUT,
    LEVEL_OUTPUTS,
    NECK_OUTPUTS,
    cut,
    load_float32,
)
from plateward.recognition.platedet_masks import MaskHead
from plateward.recognition.types import Box, Detection, Polygon

FloatArray = npt.NDArray[np.float32]
Coords = TypeVar("Coords", FloatArray, float)

_STRIDES_PX = (8, 16, 32)
_DFL_BINS = 16
_PROTO_STRIDE_PX = 4
_LETTERBOX_GREY = 114
_MAX_STRIDE_PX = 32

MIN_OUTLINE_AREA_PX = 16
"""A mask smaller than this gives no usable corners; the plate is then cut by its box."""
MASK_LOGIT_THRESHOLD = 0.0
"""Mask pixels with a logit above this (probability 0.5) are plate; 1.0 and 2.0 read no better."""

ZOOM_PLATE_WIDTH_PX = 140
"""How wide a weak candidate is made in the network input for the second look."""
ZOOM_CONTEXT_WIDTHS = 4
"""How many plate widths of surroundings the second look keeps around a weak candidate."""


def default_model_path() -> Path:
    """The model inside the installed platedet wheel: nothing is ever downloaded."""
    import importlib.util

    spec = importlib.util.find_spec("platedet")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("platedet: package not installed (pip install platedet)")
    return Path(next(iter(spec.submodule_search_locations))) / "artifacts" / "platedet.onnx"


@dataclass(frozen=True)
class _Letterbox:
    """Where the source image sits inside the network input."""

    scale: float
    pad_x_px: int
    pad_y_px: int
    offset_x_px: int
    offset_y_px: int
    """Where the region fed to the network starts in the source image (non-zero when zoomed)."""

    def to_network(self, x: Coords, y: Coords) -> tuple[Coords, Coords]:
        return (
            (x - self.offset_x_px) * self.scale + self.pad_x_px,
            (y - self.offset_y_px) * self.scale + self.pad_y_px,
        )

    def to_source(self, x: Coords, y: Coords) -> tuple[Coords, Coords]:
        return (
            (x - self.pad_x_px) / self.scale + self.offset_x_px,
            (y - self.pad_y_px) / self.scale + self.offset_y_px,
        )


@dataclass(frozen=True)
class _Candidate:
    box: FloatArray
    """x1, y1, x2, y2 in source pixels, unclipped."""
    score: float
    level: int
    """The head level (0: stride 8) and the cell of the anchor that found the plate."""
    row: int
    col: int
    necks: tuple[FloatArray, ...]
    """The neck's feature maps of the pass that found it, one per level, for the masks."""
    letterbox: _Letterbox


class PlatedetDetector:
    """Detector protocol over platedet's weights; see the module docstring for the why."""

    def __init__(
        self,
        *,
        threads: int = 2,
        confidence: float = 0.25,
        model_path: Path | None = None,
        input_long_side_px: int = 640,
        iou_threshold: float = 0.5,
        second_look: bool = True,
        second_look_floor: float = 0.01,
        second_look_candidates: int = 3,
        weak_confidence: float = 0.1,
    ) -> None:
        """
        ``input_long_side_px``: the network sees the image's long side at this many pixels
        (a multiple of 32); 640 is what the model was trained at.
        ``second_look_floor``: a first-pass candidate this weak is not worth a zoomed look.
        ``weak_confidence``: the lowest second-look score returned as a weak detection.
        """
        if input_long_side_px % _MAX_STRIDE_PX or input_long_side_px < _MAX_STRIDE_PX:
            raise ConfigurationError(
                f"input_long_side_px={input_long_side_px}: must be a positive multiple of 32"
            )
        self.model_path = model_path or default_model_path()
        model = load_float32(self.model_path)
        self.session = open_session(
            cut(model, [IMAGE_INPUT], [*LEVEL_OUTPUTS, *NECK_OUTPUTS]), threads=threads
        )
        self.masks = MaskHead(model, threads=threads)
        self.confidence = confidence
        self.input_long_side_px = input_long_side_px
        self.iou_threshold = iou_threshold
        self.second_look = second_look
        self.second_look_floor = second_look_floor
        self.second_look_candidates = second_look_candidates
        self.weak_confidence = min(weak_confidence, confidence)
        self._anchors: dict[tuple[int, int], tuple[FloatArray, FloatArray]] = {}

    def detect(self, image: Image) -> list[Detection]:
        """Plates in a BGR image, best first, each with its mask's 4-corner outline."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InvalidInput(
                f"image: expected H x W x 3 uint8 BGR, got {image.shape} {image.dtype}"
            )
        height, width = image.shape[:2]
        whole = (0, 0, width, height)
        floor = (
            min(self.second_look_floor, self.confidence) if self.second_look else self.confidence
        )
        candidates = self._run(image, whole, self.input_long_side_px, floor)
        kept = [c for c in candidates if c.score >= self.confidence]
        weak = False
        if not kept and self.second_look:
            looked: list[_Candidate] = []
            for candidate in candidates[: self.second_look_candidates]:
                region, network_px = _zoom_region(candidate.box, width, height)
                looked += self._run(image, region, network_px, self.weak_confidence)
            looked = _suppress(sorted(looked, key=lambda c: -c.score), self.iou_threshold)
            kept = [c for c in looked if c.score >= self.confidence]
            if not kept:
                kept, weak = looked[: self.second_look_candidates], True
        found = [_to_detection(c, width, height, self.masks, weak=weak) for c in kept]
        return [d for d in found if d is not None]

    def _run(self, image: Image, region: Box, long_side_px: int, floor: float) -> list[_Candidate]:
        """Candidates scoring at least ``floor`` in ``region`` of the image, suppressed, best first."""
        tensor, letterbox = self._letterbox(image, region, long_side_px)
        outputs = self.session.run(None, {IMAGE_INPUT: tensor})
        levels, necks = outputs[:3], tuple(outputs[3:])
        logits = np.concatenate([level[0, 64].reshape(-1) for level in levels])
        floor_logit = np.log(floor / (1.0 - floor))
        index = np.flatnonzero(logits >= floor_logit)
        if index.size == 0:
            return []
        distributions = np.concatenate(
            [level[0, :64].reshape(4 * _DFL_BINS, -1) for level in levels], axis=1
        )[:, index]
        centres, strides = self._anchor_grid(tensor.shape[2], tensor.shape[3])
        boxes = _decode_boxes(distributions, centres[:, index], strides[index])
        x1, y1 = letterbox.to_source(boxes[0], boxes[1])
        x2, y2 = letterbox.to_source(boxes[2], boxes[3])
        scores = 1.0 / (1.0 + np.exp(-logits[index]))
        xywh = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
        keep = np.asarray(
            cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), float(floor), self.iou_threshold),
            dtype=np.int64,
        ).reshape(-1)
        sizes = np.cumsum([0] + [level.shape[2] * level.shape[3] for level in levels])
        candidates = []
        for i in keep:
            anchor = int(index[i])
            level = int(np.searchsorted(sizes, anchor, side="right")) - 1
            row, col = divmod(anchor - int(sizes[level]), levels[level].shape[3])
            candidates.append(
                _Candidate(
                    box=np.array([x1[i], y1[i], x2[i], y2[i]], dtype=np.float32),
                    score=float(scores[i]),
                    level=level,
                    row=row,
                    col=col,
                    necks=necks,
                    letterbox=letterbox,
                )
            )
        return candidates

    def _letterbox(
        self, image: Image, region: Box, long_side_px: int
    ) -> tuple[FloatArray, _Letterbox]:
        """Scale the region so its long side fits, then pad each side to a multiple of 32.

        Padding only to the next multiple of 32 (not to a square) is what saves the time; the
        image is centred, as in training, so the grey border is split between both sides.
        """
        x1, y1, x2, y2 = region
        crop = image[y1:y2, x1:x2]
        h, w = crop.shape[:2]
        scale = long_side_px / max(h, w)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        net_w = -(-new_w // _MAX_STRIDE_PX) * _MAX_STRIDE_PX
        net_h = -(-new_h // _MAX_STRIDE_PX) * _MAX_STRIDE_PX
        pad_x, pad_y = (net_w - new_w) // 2, (net_h - new_h) // 2
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(crop, (new_w, new_h), interpolation=interpolation)
        canvas = np.full((net_h, net_w, 3), _LETTERBOX_GREY, dtype=np.uint8)
        canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
        rgb = canvas[:, :, ::-1].transpose(2, 0, 1)[None]
        tensor = np.ascontiguousarray(rgb, dtype=np.float32) * np.float32(1 / 255)
        return tensor, _Letterbox(
            scale=new_w / w, pad_x_px=pad_x, pad_y_px=pad_y, offset_x_px=x1, offset_y_px=y1
        )

    def _anchor_grid(self, net_h: int, net_w: int) -> tuple[FloatArray, FloatArray]:
        """Anchor centres (2 x N, input pixels) and strides (N) in the head's output order."""
        key = (net_h, net_w)
        if key not in self._anchors:
            centres, strides = [], []
            for stride in _STRIDES_PX:
                ys, xs = np.mgrid[0 : net_h // stride, 0 : net_w // stride].astype(np.float32)
                centres.append(np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5]) * stride)
                strides.append(np.full(xs.size, stride, dtype=np.float32))
            self._anchors[key] = (np.concatenate(centres, axis=1), np.concatenate(strides))
        return self._anchors[key]


def _decode_boxes(
    distributions: FloatArray, centres: FloatArray, strides: FloatArray
) -> FloatArray:
    """YOLOv8's distribution focal loss head: each side's distance is a softmax expectation."""
    logits = distributions.reshape(4, _DFL_BINS, -1)
    logits = logits - logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=1, keepdims=True)
    distances = np.einsum("sbn,b->sn", weights, np.arange(_DFL_BINS, dtype=np.float32)) * strides
    left, top, right, bottom = distances
    cx, cy = centres
    return np.stack([cx - left, cy - top, cx + right, cy + bottom]).astype(np.float32)


def _suppress(candidates: list[_Candidate], iou_threshold: float) -> list[_Candidate]:
    """Greedy non-maximum suppression over candidates already sorted best first."""
    kept: list[_Candidate] = []
    for candidate in candidates:
        if all(_iou(candidate.box, other.box) < iou_threshold for other in kept):
            kept.append(candidate)
    return kept


def _iou(a: FloatArray, b: FloatArray) -> float:
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _zoom_region(box: FloatArray, width: int, height: int) -> tuple[Box, int]:
    """A window around a weak candidate for the second look, and the network size to run it at.

    The model scores a plate much more surely when it spans ~140 network pixels than at the
    30-60 it gets in a whole 720p frame, so the window is magnified to that. It keeps at least
    4 plate widths and a quarter of the frame's long side of context (the model was trained on
    whole vehicles, not close-ups), and a weak box is taken to be at least twice as wide as
    high, the shape of a plate.
    """
    plate_w = max(float(box[2] - box[0]), 2.0 * float(box[3] - box[1]), 1.0)
    long_side = max(width, height)
    side = min(long_side, max(ZOOM_CONTEXT_WIDTHS * plate_w, long_side / 4))
    region_w, region_h = min(width, side), min(height, side)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x1 = int(np.clip(cx - region_w / 2, 0, width - region_w))
    y1 = int(np.clip(cy - region_h / 2, 0, height - region_h))
    network_px = round(side * ZOOM_PLATE_WIDTH_PX / plate_w / _MAX_STRIDE_PX) * _MAX_STRIDE_PX
    network_px = int(np.clip(network_px, 2 * _MAX_STRIDE_PX, 640))
    return (x1, y1, min(width, int(x1 + region_w)), min(height, int(y1 + region_h))), network_px


def _to_detection(
    candidate: _Candidate, width: int, height: int, masks: MaskHead, *, weak: bool = False
) -> Detection | None:
    x1, y1, x2, y2 = candidate.box
    box = (
        int(np.clip(np.floor(x1), 0, width)),
        int(np.clip(np.floor(y1), 0, height)),
        int(np.clip(np.ceil(x2), 0, width)),
        int(np.clip(np.ceil(y2), 0, height)),
    )
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    polygon = _mask_polygon(candidate, box, masks)
    return Detection(box=box, confidence=candidate.score, polygon=polygon, weak=weak)


def _mask_polygon(candidate: _Candidate, box: Box, masks: MaskHead) -> Polygon:
    """The plate's outline from its segmentation mask, as 4 corners in source pixels.

    The mask is evaluated only around the box (coefficients x prototypes, at a quarter of the
    network resolution), resized to one cell per source pixel as logits so the edge falls
    between prototype cells, cut to the box as YOLOv8 does (the mask bleeds onto bumpers of the
    plate's colour), and thresholded.
    """
    letterbox, stride8 = candidate.letterbox, candidate.necks[0]
    proto_h, proto_w = 2 * stride8.shape[2], 2 * stride8.shape[3]
    # The box in prototype cells, with a cell of margin so the resize has neighbours.
    left, top = letterbox.to_network(float(box[0]), float(box[1]))
    right, bottom = letterbox.to_network(float(box[2]), float(box[3]))
    cx1 = int(np.clip(np.floor(left / _PROTO_STRIDE_PX) - 1, 0, proto_w))
    cy1 = int(np.clip(np.floor(top / _PROTO_STRIDE_PX) - 1, 0, proto_h))
    cx2 = int(np.clip(np.ceil(right / _PROTO_STRIDE_PX) + 1, 0, proto_w))
    cy2 = int(np.clip(np.ceil(bottom / _PROTO_STRIDE_PX) + 1, 0, proto_h))
    if cx2 - cx1 < 2 or cy2 - cy1 < 2:
        return ()
    coefficients = masks.coefficients(
        candidate.necks[candidate.level], candidate.level, candidate.row, candidate.col
    )
    prototypes = masks.prototypes(stride8, cy1, cy2, cx1, cx2)
    logits = np.tensordot(coefficients, prototypes, axes=1)
    # With bilinear resizing (pixel centres aligned) by source pixels per cell, output pixel
    # i lands on source pixel origin + i.
    cell_px = _PROTO_STRIDE_PX / letterbox.scale
    out_w = max(1, round((cx2 - cx1) * cell_px))
    out_h = max(1, round((cy2 - cy1) * cell_px))
    logits = np.asarray(
        cv2.resize(logits.astype(np.float32), (out_w, out_h), interpolation=cv2.INTER_LINEAR),
        dtype=np.float32,
    )
    origin_x, origin_y = letterbox.to_source(
        float(cx1 * _PROTO_STRIDE_PX), float(cy1 * _PROTO_STRIDE_PX)
    )
    ox, oy = int(np.floor(origin_x)), int(np.floor(origin_y))
    sx1, sy1 = max(0, box[0] - ox), max(0, box[1] - oy)
    sx2, sy2 = min(out_w, box[2] - ox), min(out_h, box[3] - oy)
    if sx2 <= sx1 or sy2 <= sy1:
        return ()
    mask = np.zeros((out_h, out_w), dtype=np.uint8)
    mask[sy1:sy2, sx1:sx2] = logits[sy1:sy2, sx1:sx2] > MASK_LOGIT_THRESHOLD
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return ()
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float32)
    if cv2.contourArea(outline) < MIN_OUTLINE_AREA_PX:
        return ()
    corners = quad_from_outline(outline) + np.array([ox, oy], dtype=np.float32)
    # The box is the plate's bounding box, so no true corner lies outside it; a fitted side
    # that runs past it follows mask bleed (a chrome bumper edge), not the plate.
    corners[:, 0] = np.clip(corners[:, 0], box[0], box[2] - 1)
    corners[:, 1] = np.clip(corners[:, 1], box[1], box[3] - 1)
    return order_corners(corners)


def quad_from_outline(outline: FloatArray) -> FloatArray:
    """Four corners of a perspective-distorted rectangle traced by a dense outline.

    A mask upsampled from quarter-resolution prototypes has corners rounded over a prototype
    cell, and any corner picked on the outline itself lies inside the plate's real corner. So
    a first quad (the convex hull simplified until four vertices remain, else the minimum-area
    rotated rectangle) only says which outline points belong to which side; a line is then
    fitted to the middle of each side, away from the rounding, and adjacent lines are
    intersected to give the corners.
    """
    hull = np.asarray(cv2.convexHull(outline.reshape(-1, 1, 2)), dtype=np.float32)
    rough = _rough_quad(hull)
    fitted = []
    for i in range(4):
        start, end = rough[i], rough[(i + 1) % 4]
        line = _fit_side(outline, start, end)
        if line is None:
            return rough
        fitted.append(line)
    corners = []
    for i in range(4):
        corner = _intersect(fitted[i - 1], fitted[i])
        if corner is None or np.linalg.norm(corner - rough[i]) > 0.25 * _shortest_side(rough):
            return rough
        corners.append(corner)
    return np.array(corners, dtype=np.float32)


def _rough_quad(hull: npt.NDArray[np.float32]) -> FloatArray:
    perimeter = cv2.arcLength(hull, True)
    for fraction in (0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.13):
        approx = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
        if len(approx) < 4:
            break
    return cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)


def _fit_side(outline: FloatArray, start: FloatArray, end: FloatArray) -> FloatArray | None:
    """A line (point, unit direction) through the outline points along the middle of a side."""
    direction = end - start
    length = float(np.linalg.norm(direction))
    if length < 2:
        return None
    direction = direction / length
    normal = np.array([-direction[1], direction[0]], dtype=np.float32)
    offsets = outline - start
    along = offsets @ direction / length
    across = np.abs(offsets @ normal)
    near = (along > 0.2) & (along < 0.8) & (across < max(2.0, 0.1 * length))
    if np.count_nonzero(near) < 2:
        return None
    vx, vy, x0, y0 = cv2.fitLine(outline[near], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0, vx, vy], dtype=np.float32)


def _intersect(a: FloatArray, b: FloatArray) -> FloatArray | None:
    """Where two (point, direction) lines cross; None when nearly parallel."""
    matrix = np.array([[a[2], -b[2]], [a[3], -b[3]]], dtype=np.float64)
    if abs(np.linalg.det(matrix)) < 1e-3:
        return None
    t, _ = np.linalg.solve(matrix, np.array([b[0] - a[0], b[1] - a[1]], dtype=np.float64))
    return np.array([a[0] + t * a[2], a[1] + t * a[3]], dtype=np.float32)


def _shortest_side(quad: FloatArray) -> float:
    return float(min(np.linalg.norm(quad[i] - quad[(i + 1) % 4]) for i in range(4)))


def order_corners(corners: FloatArray) -> Polygon:
    """Corners as integer (x, y), clockwise on screen (y down), starting at the top-left.

    Clockwise is by angle around the centroid. The top-left starts the side that runs most
    nearly left to right, the top edge, which stays right for plates tilted up to 45 degrees
    either way whatever their shape. The corner with the smallest x + y, used before, has a
    margin that shrinks with the plate's height: on a plate twice as wide as tall, tilted 35
    degrees, a little perspective moved it to the bottom-left corner.
    """
    points = np.asarray(corners, dtype=np.float64).reshape(-1, 2)
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    clockwise = points[np.argsort(angles, kind="stable")]
    sides = np.roll(clockwise, -1, axis=0) - clockwise
    lengths = np.maximum(np.linalg.norm(sides, axis=1), 1e-9)
    start = int(np.argmax(sides[:, 0] / lengths))
    ordered = np.roll(clockwise, -start, axis=0)
    rounded = np.rint(ordered).astype(int)
    return tuple((int(x), int(y)) for x, y in rounded)
