"""Choosing the plate among a reader's hypotheses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plateward.recognition.choose import Choice, choose_plate
from plateward.recognition.confusions import PLATE_CHARS
from plateward.recognition.types import Reading


def sure(text: str, confidence: float = 0.95, doubt: dict[int, float] | None = None) -> Reading:
    confs = [0.99] * len(text)
    for i, c in (doubt or {}).items():
        confs[i] = c
    return Reading(text, confidence, tuple(confs))


def test_no_readings_no_plate() -> None:
    assert choose_plate([], 5) is None
    assert choose_plate([Reading("", 0.9)], 5) is None


def test_a_confident_reading_is_kept_even_when_it_fits_no_format() -> None:
    choice = choose_plate([sure("7ABC2S4")], 5)
    assert isinstance(choice, Choice)
    assert choice.plate == "7ABC2S4"
    assert choice.raw_text == "7ABC2S4"


def test_a_doubtful_character_is_corrected_to_fit_a_format() -> None:
    choice = choose_plate([sure("7ABC2S4", 0.8, {5: 0.55})], 5)
    assert choice is not None
    assert choice.plate == "7ABC254"
    assert choice.raw_text == "7ABC2S4"
    assert choice.char_confidences[5] < 0.5


def test_a_doubtful_extra_character_at_the_edge_is_dropped() -> None:
    choice = choose_plate([sure("AYX88037", 0.7, {7: 0.3})], 5)
    assert choice is not None and choice.plate == "AYX8803"


def test_o_and_zero_pool_and_print_by_slot() -> None:
    choice = choose_plate([sure("0SG719", 0.5), sure("OSG719", 0.45)], 5)
    assert choice is not None
    assert choice.plate == "OSG719"
    assert choice.confidence > 0.9
    assert all(a.plate.replace("O", "0") != "0SG719" for a in choice.alternatives)


def test_alternatives_are_ranked_distinct_and_capped() -> None:
    readings = [
        sure(t, c)
        for t, c in [("ABC1234", 0.5), ("ABC1284", 0.2), ("A8C1234", 0.1), ("ABG1234", 0.1)]
    ]
    choice = choose_plate(readings, 2)
    assert choice is not None and choice.plate == "ABC1234"
    assert len(choice.alternatives) == 2
    confs = [a.confidence for a in choice.alternatives]
    assert confs == sorted(confs, reverse=True) and confs[0] <= choice.confidence
    assert choose_plate(readings, 0) is not None
    assert choose_plate(readings, 0).alternatives == ()  # type: ignore[union-attr]


def test_context_names_the_region_and_narrows_the_formats() -> None:
    reading = sure("SK2W6K", 0.9)
    choice = choose_plate([reading], 3, context_text=["Missouri"])
    assert choice is not None
    assert (choice.plate, choice.region, choice.region_confidence) == ("SK2W6K", "us-mo", 0.9)


def test_a_region_restriction_changes_the_preferred_layout() -> None:
    # 1 or I at the front: Californian "1ABC234" against a generic string.
    readings = [sure("IABC234", 0.5, {0: 0.5}), sure("1ABC234", 0.45, {0: 0.45})]
    us = choose_plate(readings, 3, regions=("us",))
    assert us is not None and us.plate == "1ABC234"


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=PLATE_CHARS, min_size=1, max_size=12),
            st.floats(min_value=1e-9, max_value=1.0),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_readings_give_a_plate_shaped_choice(raw: list[tuple[str, float]]) -> None:
    choice = choose_plate([Reading(t, c, tuple(c for _ in t)) for t, c in raw], 3)
    if choice is None:
        return
    assert set(choice.plate) <= set(PLATE_CHARS)
    assert 2 <= len(choice.plate) <= 10
    assert 0.0 <= choice.confidence <= 1.0
    assert len(choice.char_confidences) == len(choice.plate)
