"""Look-alike characters and the corrections they allow."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plateward.recognition import confusions

PLATE_TEXT = st.text(alphabet=confusions.PLATE_CHARS, min_size=1, max_size=9)


@st.composite
def readings(draw: st.DrawFn) -> tuple[str, tuple[float, ...]]:
    text = draw(PLATE_TEXT)
    confs = draw(
        st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=len(text), max_size=len(text))
    )
    return text, tuple(confs)


@given(st.text(max_size=30))
def test_normalise_outputs_plate_characters_and_is_idempotent(text: str) -> None:
    once = confusions.normalise(text)
    assert set(once) <= set(confusions.PLATE_CHARS)
    assert confusions.normalise(once) == once


def test_normalise_drops_separators_and_accents() -> None:
    assert confusions.normalise("ab-12·ÇD 年") == "AB12CD"


def test_confusable_is_symmetric_and_excludes_itself() -> None:
    for char, others in confusions.CONFUSABLE.items():
        assert char not in others
        for other in others:
            assert confusions.confusable(other, char)


def test_kind_flips_cross_between_letters_and_digits() -> None:
    assert set(confusions.kind_flips("B")) == {"8", "3"}
    assert "O" in confusions.kind_flips("0")
    assert confusions.kind_flips("W") == ()


@given(readings())
def test_candidates_differ_only_at_uncertain_positions(
    reading: tuple[str, tuple[float, ...]],
) -> None:
    text, confs = reading
    uncertain = {i for i, c in enumerate(confs) if c < confusions.UNCERTAIN_BELOW}
    cands = confusions.corrections(text, confs)
    assert cands[0].plate == text and cands[0].log_penalty == 0.0
    for cand in cands[1:]:
        assert cand.log_penalty < 0
        assert len(cand.char_confidences) == len(cand.plate)
        if len(cand.plate) == len(text):
            changed = [i for i, (a, b) in enumerate(zip(text, cand.plate, strict=True)) if a != b]
            assert changed and set(changed) <= uncertain
            assert all(confusions.confusable(text[i], cand.plate[i]) for i in changed)
        else:
            assert len(cand.plate) == len(text) - 1
            assert any(text[:i] + text[i + 1 :] == cand.plate for i in uncertain), (
                "a drop removes one uncertain character"
            )


def test_confident_reading_has_no_corrections() -> None:
    assert [c.plate for c in confusions.corrections("SDJP529", (0.99,) * 7)] == ["SDJP529"]


def test_uncertain_letter_proposes_its_digit_look_alike_at_a_cost() -> None:
    confs = (0.4, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99)
    cands = {c.plate: c for c in confusions.corrections("SDJP529", confs)}
    assert "5DJP529" in cands
    assert "DJP529" in cands  # the doubtful character may also be an extra one
    assert cands["5DJP529"].char_confidences[0] == 0.6


def test_missing_confidences_count_as_certain() -> None:
    assert len(confusions.corrections("SDJP529", ())) == 1
