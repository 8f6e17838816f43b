"""A search without a real purpose is refused before it touches a read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.search.justification import Justification, require_justification


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("26-004211", None),
        (None, "hit and run, partial plate from witness"),
        ("  26-004211 ", "  stolen vehicle  "),
        ("CR2026-118", "test drive fraud suspect"),  # "test" inside a real sentence is fine
    ],
)
def test_real_purposes_are_accepted_and_trimmed(case: str | None, reason: str | None) -> None:
    why = Justification(case, reason)
    assert why.case_number == (case.strip() if case else None)
    assert why.reason == (reason.strip() if reason else None)
    assert require_justification(why) == why


@pytest.mark.parametrize(
    ("case", "reason", "says"),
    [
        (None, None, "give a case number or a reason"),
        ("", "   ", "give a case number or a reason"),
        (None, "test", "placeholder"),
        (None, "TEST", "placeholder"),
        (None, "n/a", "placeholder"),
        (None, "N.A.", "placeholder"),
        (None, "none", "placeholder"),
        (None, "asdf", "placeholder"),
        (None, "xxx", "placeholder"),
        (None, "xxxxxxx", "placeholder"),
        (None, "...", "placeholder"),
        (None, "-", "placeholder"),
        (None, "?", "placeholder"),
        (None, "abc", "placeholder"),
        (None, "dui", "placeholder"),  # under four characters says too little
        ("26-004211", "n/a", "placeholder"),  # a case number does not excuse a junk reason
        ("n/a", None, "case number 'n/a' is a placeholder"),
        ("0000", None, "placeholder"),
        ("-", "stolen vehicle", "placeholder"),
    ],
)
def test_missing_and_placeholder_purposes_are_refused(
    case: str | None, reason: str | None, says: str
) -> None:
    with pytest.raises(InvalidInput, match="justification") as raised:
        Justification(case, reason)
    assert says in raised.value.message


def test_the_search_checks_again_whatever_it_is_given() -> None:
    with pytest.raises(InvalidInput, match="needs a case number or a reason"):
        require_justification(None)
    why = Justification("26-1", None)
    object.__setattr__(why, "case_number", None)  # tampered with after it was checked
    with pytest.raises(InvalidInput, match="give a case number or a reason"):
        require_justification(why)


@given(st.text(alphabet=" .-?/!_", max_size=12))
def test_punctuation_alone_is_never_a_reason(reason: str) -> None:
    with pytest.raises(InvalidInput):
        Justification(None, reason)


@pytest.mark.parametrize(
    "reason",
    [
        "t\u0435st",  # Cyrillic e
        "\uff54\uff45\uff53\uff54",  # full-width
        "asdfasdf",
        "test123",
        "1234",
        "lorem ipsum",
        "routine check",
        "investigation",
        "because",
        "qwerty uiop",
    ],
)
def test_look_alikes_and_empty_phrases_from_the_probe_are_refused(reason: str) -> None:
    with pytest.raises(InvalidInput, match="justification") as raised:
        Justification(None, reason)
    assert repr(reason) in raised.value.message  # the person sees what was refused


def test_an_offense_needs_something_specific_beside_it() -> None:
    from plateward.search.purpose import justify

    offenses = ["Robbery", "Vehicle theft"]
    for reason in ("test", "t\u0435st", ""):
        with pytest.raises(InvalidInput, match="justification"):
            justify(None, reason, "Robbery", offenses)
    assert justify(None, "blue Honda seen fleeing", "Robbery", offenses).reason == (
        "Robbery: blue Honda seen fleeing"
    )
    assert justify("26-004211", None, "Robbery", offenses).reason == "Robbery"


@pytest.mark.parametrize("case", ["12", "ab", "1-2"])
def test_case_numbers_need_a_real_format(case: str) -> None:
    from plateward.search.purpose import justify
    from plateward.settings import load_settings

    access = load_settings().access
    with pytest.raises(InvalidInput, match="not in your agency's format|placeholder"):
        justify(case, None, None, access.offense_types, access.case_pattern_for("CCSO"))


def test_each_agency_may_set_its_own_case_number_format() -> None:
    from plateward.search.purpose import justify
    from plateward.settings import load_settings

    access = load_settings(access={"case_number_patterns": {"CCSO": r"^\d{2}-\d{6}$"}}).access
    ccso = access.case_pattern_for("CCSO")
    assert justify("26-004211", None, None, (), ccso).case_number == "26-004211"
    with pytest.raises(InvalidInput, match=r"\^\\d\{2\}-\\d\{6\}\$"):
        justify("2026-4211", None, None, (), ccso)
    assert justify("2026-4211", None, None, (), access.case_pattern_for("SPD")).case_number
