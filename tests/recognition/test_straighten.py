"""Cutting plates out upright: warped by their outline when it is plausible, else by their box."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.recognition.straighten import cut_plate, is_plausible
from plateward.recognition.types import Detection

PLATE_W, PLATE_H = 240, 80


def synthetic_plate() -> np.ndarray:
    """A plate face: white, a dark frame, and glyph-like bars that show which way is up."""
    plate = np.full((PLATE_H, PLATE_W, 3), 235, dtype=np.uint8)
    cv2.rectangle(plate, (0, 0), (PLATE_W - 1, PLATE_H - 1), (40, 40, 40), 3)
    for i in range(6):
        x = 20 + i * 36
        cv2.rectangle(plate, (x, 18), (x + 20, 62), (20, 20, 20), -1)
    cv2.rectangle(plate, (20, 8), (220, 12), (0, 0, 200), -1)  # a red band at the top
    return plate


def rotated_scene(angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The plate rotated about its centre on a grey 640 x 480 scene, and its corner pixels."""
    scene = np.full((480, 640, 3), 90, dtype=np.uint8)
    corners = np.array(
        [[0, 0], [PLATE_W - 1, 0], [PLATE_W - 1, PLATE_H - 1], [0, PLATE_H - 1]], dtype=np.float32
    )
    rotation = cv2.getRotationMatrix2D((PLATE_W / 2, PLATE_H / 2), angle_deg, 1.0)
    rotation[:, 2] += np.array([320 - PLATE_W / 2, 240 - PLATE_H / 2])
    cv2.warpAffine(
        synthetic_plate(), rotation, (640, 480), dst=scene, borderMode=cv2.BORDER_TRANSPARENT
    )
    placed = cv2.transform(corners[None], rotation)[0]
    return scene, placed


def detection_for(corners: np.ndarray) -> Detection:
    x1, y1 = np.floor(corners.min(axis=0)).astype(int)
    x2, y2 = np.ceil(corners.max(axis=0)).astype(int) + 1
    polygon = tuple((int(x), int(y)) for x, y in np.rint(corners).astype(int))
    return Detection(box=(int(x1), int(y1), int(x2), int(y2)), confidence=0.9, polygon=polygon)


@pytest.mark.parametrize("angle_deg", [-25.0, -10.0, 15.0, 30.0])
def test_rotated_plate_comes_out_upright(angle_deg: float) -> None:
    scene, corners = rotated_scene(angle_deg)
    crop = cut_plate(scene, detection_for(corners))
    assert abs(crop.shape[1] - PLATE_W) <= 2 and abs(crop.shape[0] - PLATE_H) <= 2
    upright = cv2.resize(crop, (PLATE_W, PLATE_H))
    # Compare inside the frame: the corner rounding of a rotated raster is a pixel or two.
    difference = np.abs(upright.astype(int) - synthetic_plate().astype(int))[6:-6, 6:-6]
    assert difference.mean() < 12
    # The red band is at the top, so the crop is not upside down or mirrored.
    assert upright[8:13, 20:220, 2].mean() > 150 and upright[8:13, 20:220, 0].mean() < 80


def test_box_crop_of_a_rotated_plate_is_not_upright() -> None:
    """The reason straightening exists: the box holds the tilted plate and its surroundings."""
    scene, corners = rotated_scene(20.0)
    detection = detection_for(corners)
    box_only = cut_plate(scene, Detection(box=detection.box, confidence=0.9))
    assert box_only.shape[0] > PLATE_H * 1.5


def test_polygon_equal_to_the_box_gives_the_box_crop() -> None:
    image = np.random.default_rng(1).integers(0, 255, (100, 200, 3), dtype=np.uint8)
    polygon = ((20, 30), (119, 30), (119, 59), (20, 59))
    crop = cut_plate(image, Detection(box=(20, 30, 120, 60), confidence=0.9, polygon=polygon))
    np.testing.assert_array_equal(crop, image[30:60, 20:120])


@given(x1=st.integers(0, 150), y1=st.integers(0, 80), w=st.integers(8, 49), h=st.integers(4, 19))
def test_axis_aligned_outline_reproduces_any_box(x1: int, y1: int, w: int, h: int) -> None:
    image = np.arange(100 * 200 * 3, dtype=np.uint32).reshape(100, 200, 3).astype(np.uint8)
    polygon = ((x1, y1), (x1 + w - 1, y1), (x1 + w - 1, y1 + h - 1), (x1, y1 + h - 1))
    detection = Detection(box=(x1, y1, x1 + w, y1 + h), confidence=0.9, polygon=polygon)
    if not is_plausible(polygon, detection.box):
        return  # too narrow or too square for a plate: the box path is tested elsewhere
    np.testing.assert_array_equal(cut_plate(image, detection), image[y1 : y1 + h, x1 : x1 + w])


def test_without_polygon_the_box_is_cut() -> None:
    image = np.random.default_rng(2).integers(0, 255, (100, 200, 3), dtype=np.uint8)
    crop = cut_plate(image, Detection(box=(10, 20, 90, 50), confidence=0.5))
    np.testing.assert_array_equal(crop, image[20:50, 10:90])


@pytest.mark.parametrize(
    "polygon",
    [
        ((10, 20), (89, 49), (89, 20), (10, 49)),  # self-crossing
        ((10, 20), (30, 20), (30, 49), (10, 49)),  # fills a quarter of the box
        ((10, 20), (89, 20), (89, 22), (10, 22)),  # 2 px high
        ((10, 20), (89, 20), (50, 49)),  # a triangle
    ],
)
def test_implausible_outline_falls_back_to_the_box(polygon: tuple[tuple[int, int], ...]) -> None:
    image = np.random.default_rng(3).integers(0, 255, (100, 200, 3), dtype=np.uint8)
    crop = cut_plate(image, Detection(box=(10, 20, 90, 50), confidence=0.5, polygon=polygon))
    np.testing.assert_array_equal(crop, image[20:50, 10:90])


def test_margin_widens_the_warped_crop() -> None:
    scene, corners = rotated_scene(10.0)
    tight = cut_plate(scene, detection_for(corners))
    loose = cut_plate(scene, detection_for(corners), margin=0.1)
    assert loose.shape[0] == pytest.approx(tight.shape[0] + 16, abs=2)
    assert loose.shape[1] == pytest.approx(tight.shape[1] + 16, abs=2)


def test_box_partly_outside_the_image_is_clipped() -> None:
    image = np.zeros((50, 80, 3), dtype=np.uint8)
    crop = cut_plate(image, Detection(box=(-10, 30, 60, 70), confidence=0.5))
    assert crop.shape == (20, 60, 3)


def test_box_wholly_outside_the_image_is_refused() -> None:
    image = np.zeros((50, 80, 3), dtype=np.uint8)
    with pytest.raises(InvalidInput, match=r"\(100, 0, 120, 20\)"):
        cut_plate(image, Detection(box=(100, 0, 120, 20), confidence=0.5))
