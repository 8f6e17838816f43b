"""platedet run as float32 and fully convolutional: same answers as the shipped model, plus masks.

The model-level tests need only the platedet wheel; the tests on real photos use the labeled dev
images in ../shared/data and skip without them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import ConfigurationError, InvalidInput
from plateward.recognition.detector_platedet import (
    PlatedetDetector,
    _decode_boxes,
    default_model_path,
    order_corners,
    quad_from_outline,
)
from plateward.recognition.onnx_precision import float16_to_float32, load_as_float32
from plateward.recognition.onnx_session import open_session
from plateward.recognition.types import Box


@pytest.fixture(scope="session")
def detector() -> PlatedetDetector:
    return PlatedetDetector(threads=2)


@pytest.fixture(scope="session")
def network_input() -> np.ndarray:
    """A 640 x 640 letterboxed-looking input with edges and text-like strokes, not noise.

    Random noise leaves most activations near zero, where float16 and float32 trivially agree.
    """
    canvas = np.full((640, 640, 3), 114, dtype=np.uint8)
    cv2.rectangle(canvas, (0, 140), (639, 500), (90, 120, 160), -1)
    cv2.rectangle(canvas, (240, 330), (400, 410), (240, 240, 240), -1)
    cv2.putText(canvas, "7ABC123", (250, 385), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 3)
    cv2.circle(canvas, (120, 250), 60, (30, 30, 200), -1)
    rgb = canvas[:, :, ::-1].transpose(2, 0, 1)[None]
    return np.ascontiguousarray(rgb, dtype=np.float32) / 255


@pytest.fixture(scope="session")
def full_float32() -> ort.InferenceSession:
    """The whole shipped model (fixed 640 x 640, decoding head included), in float32."""
    return open_session(load_as_float32(default_model_path()), threads=2)


def iou(a: Box, b: Box) -> float:
    inter_w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def labeled(shared_data: Path, image: str) -> tuple[np.ndarray, Box]:
    folder = shared_data / "openalpr-dev"
    with (folder / "labels.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["image"] == image)
    x, y, w, h = (int(row[k]) for k in ("x", "y", "w", "h"))
    picture = cv2.imread(str(folder / row["region"] / image))
    assert picture is not None
    return picture, (x, y, x + w, y + h)


# --- float16 -> float32 ----------------------------------------------------------------------


def test_float32_conversion_leaves_no_float16() -> None:
    model = float16_to_float32(onnx.load(str(default_model_path())))
    float16 = onnx.TensorProto.FLOAT16
    assert all(i.data_type != float16 for i in model.graph.initializer)
    assert all(
        v.type.tensor_type.elem_type != float16
        for v in (*model.graph.input, *model.graph.output, *model.graph.value_info)
    )
    casts = [a.i for n in model.graph.node if n.op_type == "Cast" for a in n.attribute]
    assert float16 not in casts
    onnx.checker.check_model(model)


def test_float32_model_agrees_with_float16(
    network_input: np.ndarray, full_float32: ort.InferenceSession
) -> None:
    fp16 = open_session(default_model_path(), threads=2)
    boxes16, protos16 = fp16.run(None, {"images": network_input.astype(np.float16)})
    boxes32, protos32 = full_float32.run(None, {"images": network_input})
    assert boxes32.dtype == np.float32 and boxes16.dtype == np.float16
    boxes16, protos16 = boxes16.astype(np.float32), protos16.astype(np.float32)
    # Coordinates reach 640, where float16 steps by 0.5; scores and mask terms are O(1).
    np.testing.assert_allclose(boxes32[0, :4], boxes16[0, :4], atol=1.5)
    np.testing.assert_allclose(boxes32[0, 4], boxes16[0, 4], atol=0.01)
    np.testing.assert_allclose(boxes32[0, 5:], boxes16[0, 5:], atol=0.05)
    np.testing.assert_allclose(protos32, protos16, atol=0.05)


def test_decoded_boxes_match_the_models_own_head(
    detector: PlatedetDetector, network_input: np.ndarray, full_float32: ort.InferenceSession
) -> None:
    """The head cut off the graph, redone in NumPy, gives the boxes the full model gives."""
    (reference,) = full_float32.run(["output0"], {"images": network_input})
    levels = detector.session.run(None, {"images": network_input})[:3]
    logits = np.concatenate([lv[0, 64].reshape(-1) for lv in levels])
    distributions = np.concatenate([lv[0, :64].reshape(64, -1) for lv in levels], axis=1)
    centres, strides = detector._anchor_grid(640, 640)
    x1, y1, x2, y2 = _decode_boxes(distributions, centres, strides)
    cx, cy, w, h = reference[0, :4]
    np.testing.assert_allclose(x1, cx - w / 2, atol=0.05)
    np.testing.assert_allclose(y2, cy + h / 2, atol=0.05)
    np.testing.assert_allclose(x2 - x1, w, atol=0.05)
    np.testing.assert_allclose(y2 - y1, h, atol=0.05)
    scores = 1 / (1 + np.exp(-np.clip(logits, -50, 50)))
    np.testing.assert_allclose(scores, reference[0, 4], atol=1e-4)


@pytest.mark.parametrize("level", [0, 1, 2])
def test_mask_coefficients_from_a_patch_match_the_whole_frame(
    detector: PlatedetDetector,
    network_input: np.ndarray,
    full_float32: ort.InferenceSession,
    level: int,
) -> None:
    """Coefficients for one anchor, computed from features around it, equal the full model's.

    Corners and edges (where the patch stops at the map's edge) as well as the middle.
    """
    (reference,) = full_float32.run(["output0"], {"images": network_input})
    necks = detector.session.run(None, {"images": network_input})[3:]
    side = 640 // (8 << level)
    offset = sum((640 // (8 << k)) ** 2 for k in range(level))
    for row, col in [(0, 0), (0, side - 1), (side - 1, 0), (side - 1, side - 1), (1, 7),
                     (side // 2, side // 3), (side - 2, side // 2)]:  # fmt: skip
        got = detector.masks.coefficients(necks[level], level, row, col)
        want = reference[0, 5:, offset + row * side + col]
        np.testing.assert_allclose(got, want, atol=2e-3, err_msg=f"cell {row},{col}")


def test_mask_prototypes_from_a_patch_match_the_whole_frame(
    detector: PlatedetDetector, network_input: np.ndarray, full_float32: ort.InferenceSession
) -> None:
    (reference,) = full_float32.run(["output1"], {"images": network_input})
    stride8 = detector.session.run(None, {"images": network_input})[3]
    windows = [(0, 5, 0, 9), (155, 160, 150, 160), (80, 91, 60, 101), (1, 30, 140, 160),
               (77, 78, 33, 34), (96, 104, 0, 40)]  # fmt: skip
    for y1, y2, x1, x2 in windows:
        got = detector.masks.prototypes(stride8, y1, y2, x1, x2)
        want = reference[0, :, y1:y2, x1:x2]
        np.testing.assert_allclose(got, want, atol=2e-3, err_msg=f"window {y1}:{y2}, {x1}:{x2}")


# --- detector behaviour ----------------------------------------------------------------------


def test_black_image_has_no_plates(detector: PlatedetDetector) -> None:
    assert detector.detect(np.zeros((720, 1280, 3), dtype=np.uint8)) == []


def test_rejects_non_bgr_arrays(detector: PlatedetDetector) -> None:
    with pytest.raises(InvalidInput, match="H x W x 3"):
        detector.detect(np.zeros((32, 32), dtype=np.uint8))


def test_thread_count_reaches_onnxruntime() -> None:
    single = PlatedetDetector(threads=1)
    assert single.session.get_session_options().intra_op_num_threads == 1


def test_bad_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    broken = tmp_path / "platedet.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ConfigurationError, match="platedet.onnx"):
        PlatedetDetector(model_path=broken)


def test_input_size_must_suit_the_network() -> None:
    with pytest.raises(ConfigurationError, match="multiple of 32"):
        PlatedetDetector(input_long_side_px=600)


@pytest.mark.shared_data
def test_finds_the_labeled_plate_in_a_1080p_frame(
    detector: PlatedetDetector, shared_data: Path
) -> None:
    image, label = labeled(shared_data, "0b86cecf-67d1-4fc0-87c9-b36b0ee228bb.jpg")
    found = detector.detect(image)
    assert found, "no plate found"
    best = found[0]
    assert iou(best.box, label) > 0.7
    assert best.confidence >= detector.confidence
    assert len(best.polygon) == 4


@pytest.mark.shared_data
def test_mask_outline_follows_a_tilted_plate(detector: PlatedetDetector, shared_data: Path) -> None:
    """An Arizona plate photographed at a slant: its outline, not its box, carries the tilt."""
    image, label = labeled(shared_data, "car9-7.jpg")
    best = max(detector.detect(image), key=lambda d: iou(d.box, label))
    assert iou(best.box, label) > 0.4
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = best.polygon
    x1, y1, x2, y2 = best.box
    for x, y in best.polygon:
        assert x1 - 8 <= x <= x2 + 8 and y1 - 8 <= y <= y2 + 8
    # The plate rises to the right by roughly 10-20 degrees in this photo.
    top_deg = np.degrees(np.arctan2(try_ - tly, trx - tlx))
    bottom_deg = np.degrees(np.arctan2(bry - bly, brx - blx))
    assert -25 < top_deg < -5
    assert -25 < bottom_deg < -5


@pytest.mark.shared_data
def test_second_look_finds_a_plate_the_whole_frame_scores_weakly(
    detector: PlatedetDetector, shared_data: Path
) -> None:
    """car2.jpg: a plate on a truck that scores 0.08 in the whole frame, ~0.6 zoomed in."""
    image, label = labeled(shared_data, "car2.jpg")
    assert detector.second_look
    once = PlatedetDetector(second_look=False)
    assert not any(iou(d.box, label) >= 0.3 for d in once.detect(image))
    assert any(iou(d.box, label) >= 0.5 for d in detector.detect(image))


# --- geometry --------------------------------------------------------------------------------


def signed_area(points: np.ndarray) -> float:
    """Positive for clockwise corners on screen (y pointing down)."""
    x, y = points[:, 0], points[:, 1]
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) / 2)


def plate_corners(
    cx: float, cy: float, width: float, aspect: float, angle_deg: float
) -> np.ndarray:
    """A plate-shaped rectangle's corners, clockwise from top-left, rotated about its centre."""
    height = width / aspect
    local = np.array(
        [
            [-width / 2, -height / 2],
            [width / 2, -height / 2],
            [width / 2, height / 2],
            [-width / 2, height / 2],
        ]
    )
    turn = np.radians(angle_deg)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return np.asarray(local @ rotation.T + [cx, cy], dtype=np.float64)


@given(
    cx=st.floats(100, 1000),
    cy=st.floats(100, 1000),
    width=st.floats(40, 400),
    aspect=st.floats(1.5, 5.0),
    angle_deg=st.floats(-35, 35),
    skew=st.lists(st.floats(-0.1, 0.1), min_size=8, max_size=8),
    order=st.permutations(range(4)),
)
def test_corners_come_out_clockwise_from_top_left(
    cx: float,
    cy: float,
    width: float,
    aspect: float,
    angle_deg: float,
    skew: list[float],
    order: list[int],
) -> None:
    true = plate_corners(cx, cy, width, aspect, angle_deg)
    true = true + np.array(skew).reshape(4, 2) * width / aspect  # mild perspective
    ordered = np.array(order_corners(true[list(order)]), dtype=np.float64)
    assert ordered.shape == (4, 2)
    np.testing.assert_allclose(ordered, np.round(true), atol=1)
    assert signed_area(ordered) > 0


@pytest.mark.parametrize("angle_deg", [-20.0, -7.0, 0.0, 12.0, 25.0])
def test_quad_fitting_recovers_corners_rounded_by_upsampling(angle_deg: float) -> None:
    """A mask upsampled 8x from coarse cells has round corners; the fit finds the sharp ones."""
    true = plate_corners(200, 150, 240, 2.0, angle_deg)
    fine = np.zeros((304, 400), dtype=np.uint8)
    cv2.fillPoly(fine, [np.round(true * 8).astype(np.int32)], (255,), shift=3)
    coarse = cv2.resize(fine.astype(np.float32), (50, 38), interpolation=cv2.INTER_AREA)
    upsampled = cv2.resize(coarse, (400, 304), interpolation=cv2.INTER_LINEAR) > 127
    contours, _ = cv2.findContours(
        upsampled.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float32)
    fitted = np.array(order_corners(quad_from_outline(outline)), dtype=np.float64)
    np.testing.assert_allclose(fitted, true, atol=3.5)
