"""Guessing the issuing region from printed names or the plate's format."""

from __future__ import annotations

import pytest

from plateward.recognition.region import (
    NAME_CONFIDENCE,
    guess_region,
    region_from_format,
    region_from_text,
)
from plateward.settings import HotlistSettings


@pytest.mark.parametrize(
    ("texts", "region"),
    [
        (["California"], "us-ca"),
        (["  TEXAS  "], "us-tx"),
        (["New York", "EMPIRE STATE"], "us-ny"),
        (["myflorida.com"], "us-fl"),
        (["CALIFORNLA"], "us-ca"),  # one misread letter
        (["West Virginia"], "us-wv"),  # not Virginia
        (["BRASIL"], "br"),
        (["Washington, D.C."], "us-dc"),  # not Washington state
        (["TAXATION WITHOUT REPRESENTATION"], "us-dc"),
        (["WASHINGTON", "Evergreen State"], "us-wa"),
        (["7HAMPSHIRE 200", "LIVE FREE OR DIE"], "us-nh"),  # "NEW" too small to read
        (["OLIVE FREE OR DIE"], "us-nh"),
        (["CENTENNIAL 1912-2012", "MEXICO", "ENCHANTMENT", "NEW"], "us-nm"),
        (["SUNSHINE STATE"], "us-fl"),
    ],
)
def test_names_on_the_plate_give_the_region(texts: list[str], region: str) -> None:
    assert region_from_text(texts) == region
    assert guess_region("ABC123", texts) == (region, 0.9)


def test_text_without_a_name_gives_nothing() -> None:
    assert region_from_text(["DEALER", "12-07", "", "Mountain State"]) is None


def test_mercosul_layout_points_to_brazil() -> None:
    region, confidence = region_from_format("ABC1D23")
    assert region == "br"
    assert confidence > 0.5


def test_a_layout_only_one_state_issues_names_that_state() -> None:
    region, confidence = region_from_format("SK2W6K")
    assert region == "us-mo"
    # A guess from the format alone is often another state's older series: it must never be
    # sure enough to hide a hot-list hit, as a state's name read on the plate is.
    assert 0 < confidence < HotlistSettings().state_confidence <= NAME_CONFIDENCE


def test_vanity_plate_has_no_region() -> None:
    assert guess_region("SWEETHING") == (None, 0.0)
    assert guess_region("") == (None, 0.0)


def test_a_layout_issued_on_several_continents_names_no_region() -> None:
    assert region_from_format("AB123CD") == (None, 0.0)  # France, Italy, Argentina...
    assert region_from_format("ABC1234") == (None, 0.0)  # New York, Brazil, Greece...


def test_the_deployment_regions_narrow_the_guess() -> None:
    assert region_from_format("ABC1234", ("us",)) == ("us", 0.7)
    assert guess_region("7ABC123", regions=("us",))[0] == "us-ca"
