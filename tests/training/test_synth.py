"""The synthetic plate renderer: same seed, same plate; labels a plate's own characters only."""

from __future__ import annotations

import numpy as np
import pytest

from plateward.recognition import formats
from plateward.training import synth
from plateward.training.augment import degrade, jitter_box
from plateward.training.styles import US_STATES


def test_every_state_and_dc_has_a_style_and_serial_formats() -> None:
    assert len(US_STATES) == 51
    assert set(US_STATES) <= set(formats.US_STATE_FORMATS)


def test_the_same_seed_draws_the_same_plate() -> None:
    a = synth.synthetic_plate(np.random.default_rng([17, 5]))
    b = synth.synthetic_plate(np.random.default_rng([17, 5]))
    c = synth.synthetic_plate(np.random.default_rng([17, 6]))
    assert a.plate == b.plate and np.array_equal(a.image, b.image)
    assert (c.plate, c.image.shape) != (a.plate, a.image.shape) or not np.array_equal(
        a.image, c.image
    )


@pytest.mark.parametrize("kind", sorted(synth.KIND_WEIGHTS))
def test_each_kind_renders_a_labeled_colour_plate(kind: str) -> None:
    for i in range(6):
        rng = np.random.default_rng([3, i])
        flat, plate = synth.render_plate(kind, rng)
        assert flat.dtype == np.uint8 and flat.ndim == 3 and flat.shape[2] == 3
        assert flat.shape[1] > flat.shape[0]  # plates are wider than tall
        assert 2 <= len(plate) <= 10
        assert set(plate) <= set(synth.PLATE_CHARS)
        photo = synth.photograph(flat, rng)
        assert 40 <= photo.shape[1] <= 320 and photo.shape[0] >= 12


def test_standard_us_plates_follow_their_states_formats() -> None:
    layouts = {layout for values in formats.US_STATE_FORMATS.values() for layout in values}
    for i in range(40):
        _, plate = synth.render_plate("us", np.random.default_rng([11, i]))
        assert formats.layout_of(plate) in layouts, plate


def test_fill_layout_puts_letters_and_digits_where_the_layout_says() -> None:
    plate = synth.fill_layout("9LLL999", np.random.default_rng(1))
    assert plate[0].isdigit() and plate[1:4].isalpha() and plate[4:].isdigit()


def test_the_drawn_serial_is_darker_or_lighter_than_its_plate() -> None:
    """The serial is actually drawn: the middle band of the plate has ink in it."""
    flat, _ = synth.render_plate("us", np.random.default_rng([2, 0]))
    h = flat.shape[0]
    band = flat[int(h * 0.35) : int(h * 0.65)].astype(np.float32).mean(axis=2)
    assert band.std() > 20


def test_degrade_keeps_the_shape_and_type_and_is_seeded() -> None:
    image = np.full((60, 120, 3), 128, np.uint8)
    a = degrade(image, np.random.default_rng(4))
    b = degrade(image, np.random.default_rng(4))
    assert a.shape == image.shape and a.dtype == np.uint8
    assert np.array_equal(a, b)


def test_jitter_box_stays_inside_the_image() -> None:
    for i in range(50):
        x, y, w, h = jitter_box((5, 5, 100, 30), (110, 40), np.random.default_rng(i))
        assert x >= 0 and y >= 0 and w >= 1 and h >= 1
        assert x + w <= 110 and y + h <= 40
