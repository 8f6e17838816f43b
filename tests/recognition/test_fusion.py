from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.recognition.fusion import (
    align,
    edit_distance,
    fuse_readings,
    fuse_reads,
    similarity,
)
from plateward.recognition.types import Alternative, PlateRead, Reading

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
plates = st.text(alphabet=ALPHABET, min_size=1, max_size=9)
confidences = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def readings(draw: st.DrawFn) -> Reading:
    text = draw(plates)
    with_chars = draw(st.booleans())
    chars = tuple(draw(confidences) for _ in text) if with_chars else ()
    return Reading(text=text, confidence=draw(confidences), char_confidences=chars)


def plate_read(
    plate: str, confidence: float, frame: int, box_w: int = 100, region: str | None = "us-ca"
) -> PlateRead:
    return PlateRead(
        source="cam",
        plate=plate,
        raw_text=plate,
        confidence=confidence,
        char_confidences=(confidence,) * len(plate),
        alternatives=(),
        box=(0, 0, box_w, box_w // 2),
        polygon=(),
        detection_confidence=0.8,
        region=region,
        region_confidence=0.5,
        crop_jpeg=f"crop{frame}".encode(),
        frame_index=frame,
        timestamp_s=frame / 30,
    )


@given(plates, plates)
def test_edit_distance_is_a_metric_bounded_by_length(a: str, b: str) -> None:
    d = edit_distance(a, b)
    assert d == edit_distance(b, a)
    assert (d == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))
    assert 0.0 <= similarity(a, b) <= 1.0


def test_edit_distance_examples() -> None:
    assert edit_distance("AYX8803", "MAYX8803") == 1
    assert edit_distance("PVX0095", "0095") == 3
    assert similarity("ABC123", "ABC123") == 1.0


def test_align_skips_an_extra_character_and_marks_a_dropped_one() -> None:
    assert align("AYX8803", "MAYX8803") == [1, 2, 3, 4, 5, 6, 7]
    assert align("FB8R4T", "FB84T") == [0, 1, 2, None, 3, 4]
    assert align("ABC", "ABD") == [0, 1, 2]  # a substitution, not a delete plus insert


@given(readings(), st.integers(min_value=1, max_value=6))
def test_fusing_identical_readings_returns_that_reading(reading: Reading, copies: int) -> None:
    fused = fuse_readings([reading] * copies)
    assert fused is not None
    assert fused.text == reading.text
    assert fused.confidence == pytest.approx(reading.confidence)
    expected_chars = reading.char_confidences or (reading.confidence,) * len(reading.text)
    assert fused.char_confidences == pytest.approx(expected_chars, abs=1e-5)


@given(st.lists(readings(), min_size=1, max_size=7), st.randoms(use_true_random=False))
def test_fusion_does_not_depend_on_order(items: list[Reading], rnd: object) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fuse_readings(items) == fuse_readings(shuffled)


@given(plates, st.lists(plates, max_size=4), st.floats(min_value=0.05, max_value=1.0))
def test_majority_wins(majority: str, others: list[str], confidence: float) -> None:
    votes = [Reading(majority, confidence)] * (len(others) + 1)
    votes += [Reading(text, confidence) for text in others]
    fused = fuse_readings(votes)
    assert fused is not None and fused.text == majority


@given(st.lists(readings(), max_size=5))
def test_fused_plate_has_one_confidence_per_character_within_bounds(items: list[Reading]) -> None:
    fused = fuse_readings(items)
    if not any(r.text for r in items):
        assert fused is None
        return
    assert fused is not None
    assert len(fused.char_confidences) == len(fused.text)
    assert all(0.0 <= c <= 1.0 + 1e-9 for c in fused.char_confidences)
    assert 0.0 <= fused.confidence <= 1.0 + 1e-9


def test_character_voting_fixes_errors_no_single_frame_avoided() -> None:
    # Every frame has one wrong character, each in a different place.
    frames = [
        Reading("8BC123", 0.9),
        Reading("ABC1Z3", 0.9),
        Reading("A8C123", 0.9),
        Reading("ABC12B", 0.8),
    ]
    fused = fuse_readings(frames)
    assert fused is not None and fused.text == "ABC123"
    assert fused.char_confidences[0] < fused.char_confidences[2]  # split vote, less sure


def test_extra_and_dropped_characters_do_not_shift_the_votes() -> None:
    frames = [
        Reading("AYX8803", 0.9),
        Reading("MAYX8803", 0.95),
        Reading("AYX803", 0.7),
        Reading("AYX8B03", 0.6),
    ]
    fused = fuse_readings(frames)
    assert fused is not None and fused.text == "AYX8803"


def test_confidence_weighs_more_than_count() -> None:
    frames = [Reading("ABC123", 0.95), Reading("ABC128", 0.3), Reading("ABC128", 0.3)]
    fused = fuse_readings(frames)
    assert fused is not None and fused.text == "ABC123"


def test_empty_readings_fuse_to_none() -> None:
    assert fuse_readings([]) is None
    assert fuse_readings([Reading("", 0.9)]) is None


def test_fuse_reads_keeps_the_crop_of_the_most_confident_agreeing_frame() -> None:
    reads = [
        plate_read("ABC123", 0.80, frame=3),
        plate_read("ABC128", 0.99, frame=6),  # most confident, but outvoted
        plate_read("ABC123", 0.90, frame=9),
        plate_read("ABC123", 0.90, frame=12, box_w=140),  # same confidence, larger
    ]
    fused = fuse_reads(reads, alternatives=3)
    assert fused is not None
    assert fused.plate == "ABC123"
    assert fused.frame_index == 12 and fused.crop_jpeg == b"crop12"
    assert fused.frames_seen == 4
    assert [a.plate for a in fused.alternatives] == ["ABC128"]
    assert fused.region == "us-ca"


def test_fuse_reads_merges_alternatives_and_limits_them() -> None:
    base = plate_read("ABC123", 0.9, frame=1)
    reads = [
        dataclasses.replace(
            base, alternatives=(Alternative("A8C123", 0.5), Alternative("ABC12B", 0.2))
        ),
        dataclasses.replace(
            plate_read("ABC123", 0.8, frame=2), alternatives=(Alternative("A8C123", 0.4),)
        ),
    ]
    fused = fuse_reads(reads, alternatives=1)
    assert fused is not None
    assert [a.plate for a in fused.alternatives] == ["A8C123"]
    assert fused.alternatives[0].confidence == pytest.approx(0.45)


def test_fuse_reads_votes_the_region() -> None:
    reads = [
        plate_read("ABC123", 0.9, 1, region="us-tx"),
        plate_read("ABC123", 0.9, 2),
        plate_read("ABC123", 0.9, 3),
    ]
    fused = fuse_reads(reads, alternatives=0)
    assert fused is not None and fused.region == "us-ca"
    assert fused.region_confidence == pytest.approx(1.0 / 3)


def test_fuse_reads_of_nothing_is_none() -> None:
    assert fuse_reads([], alternatives=3) is None
