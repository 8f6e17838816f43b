"""Plate formats: layouts, the O/0 rule, and the prior's ordering of real versus odd plates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.recognition import formats

plates = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10)


def test_every_listed_format_is_letter_and_digit_slots_of_plate_length() -> None:
    tables = [formats.US_STATE_FORMATS, formats.EU_COUNTRY_FORMATS, formats.SOUTH_AMERICA_FORMATS]
    for table in tables:
        for code, layouts in table.items():
            for layout in layouts:
                assert re.fullmatch(r"[L9]{3,8}", layout), (code, layout)


def test_layout_of_marks_letters_and_digits() -> None:
    assert formats.layout_of("7ABC123") == "9LLL999"


def test_o_and_zero_fit_either_slot() -> None:
    assert formats.fits_layout("0SG719", "LLL999")
    assert formats.fits_layout("PJT29O5", "LLL9999")
    assert not formats.fits_layout("PJT29S5", "LLL9999")
    assert not formats.fits_layout("PJT295", "LLL9999")


def test_spell_for_layout_prints_o_in_letter_slots_and_zero_in_digit_slots() -> None:
    assert formats.spell_for_layout("0SG719", "LLL999") == "OSG719"
    assert formats.spell_for_layout("RKO99AN", "LL999LL") == "RK099AN"


@given(plates)
def test_spell_for_layout_only_touches_o_and_zero_and_is_idempotent(plate: str) -> None:
    layout = formats.layout_of(plate.replace("O", "0"))
    once = formats.spell_for_layout(plate, layout)
    assert formats.spell_for_layout(once, layout) == once
    assert once.replace("O", "0") == plate.replace("O", "0")


@pytest.mark.parametrize(
    ("plate", "region", "layout"),
    [
        ("7ABC123", "us-ca", "9LLL999"),
        ("ABC1234", "us-ny", "LLL9999"),
        ("SK2W6K", "us-mo", "LL9L9L"),
        ("AB123CD", "eu-fr", "LL999LL"),
        ("1234ABC", "eu-es", "9999LLL"),
        ("AB12CDE", "eu-uk", "LL99LLL"),
        ("ABC1D23", "br", "LLL9L99"),
        ("AB123CD", "ar", "LL999LL"),
    ],
)
def test_standard_plates_fit_their_region(plate: str, region: str, layout: str) -> None:
    fitted = formats.fit(plate, region)
    assert fitted.standard
    assert fitted.layout == layout


def test_vanity_plate_falls_back_to_generic_with_a_lower_prior() -> None:
    vanity = formats.fit("SWEETHING", "us")
    standard = formats.fit("ABC1234", "us")
    assert not vanity.standard
    assert vanity.log_prior < standard.log_prior


def test_prior_prefers_the_format_over_its_look_alike() -> None:
    # California's 1ABC234 against the same plate with its first digit read as a letter.
    assert formats.log_prior("5DJP529", ("us",)) > formats.log_prior("SDJP529", ("us",))


def test_group_prior_is_a_probability_and_generic_never_zero() -> None:
    for region in formats.REGION_GROUPS:
        prior = formats.log_prior("QQQQQQQQ", (region,))
        assert -60 < prior < 0


def test_fit_refuses_text_that_is_not_normalised() -> None:
    with pytest.raises(ValueError, match="abc"):
        formats.fit("abc", "us")


def test_unknown_region_is_an_error() -> None:
    with pytest.raises(KeyError):
        formats.fit("ABC123", "atlantis")


def test_specific_regions_lists_only_members_that_fit() -> None:
    states = dict(formats.specific_regions("SK2W6K", "us"))
    assert list(states) == ["us-mo"]
