"""Where a plate was issued: from text printed on it, else from its format.

A state name on the plate ("California", "TEXAS") is the strongest evidence and is cheap to check
in whatever small text lines the caller read. Without one, the layout of the characters still
says something: "ABC1D23" is Mercosul, "1ABC234" is Californian, while "ABC123" fits half the
world and earns no guess. Confidences are rough posteriors, meant for ranking and display.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from plateward.recognition import formats

US_STATE_NAMES: dict[str, str] = {
    "ALABAMA": "us-al",
    "ALASKA": "us-ak",
    "ARIZONA": "us-az",
    "ARKANSAS": "us-ar",
    "CALIFORNIA": "us-ca",
    "COLORADO": "us-co",
    "CONNECTICUT": "us-ct",
    "DELAWARE": "us-de",
    "FLORIDA": "us-fl",
    "GEORGIA": "us-ga",
    "HAWAII": "us-hi",
    "IDAHO": "us-id",
    "ILLINOIS": "us-il",
    "INDIANA": "us-in",
    "IOWA": "us-ia",
    "KANSAS": "us-ks",
    "KENTUCKY": "us-ky",
    "LOUISIANA": "us-la",
    "MAINE": "us-me",
    "MARYLAND": "us-md",
    "MASSACHUSETTS": "us-ma",
    "MICHIGAN": "us-mi",
    "MINNESOTA": "us-mn",
    "MISSISSIPPI": "us-ms",
    "MISSOURI": "us-mo",
    "MONTANA": "us-mt",
    "NEBRASKA": "us-ne",
    "NEVADA": "us-nv",
    "NEWHAMPSHIRE": "us-nh",
    "NEWJERSEY": "us-nj",
    "NEWMEXICO": "us-nm",
    "NEWYORK": "us-ny",
    "NORTHCAROLINA": "us-nc",
    "NORTHDAKOTA": "us-nd",
    "OHIO": "us-oh",
    "OKLAHOMA": "us-ok",
    "OREGON": "us-or",
    "PENNSYLVANIA": "us-pa",
    "RHODEISLAND": "us-ri",
    "SOUTHCAROLINA": "us-sc",
    "SOUTHDAKOTA": "us-sd",
    "TENNESSEE": "us-tn",
    "TEXAS": "us-tx",
    "UTAH": "us-ut",
    "VERMONT": "us-vt",
    "VIRGINIA": "us-va",
    "WASHINGTON": "us-wa",
    "WESTVIRGINIA": "us-wv",
    "WISCONSIN": "us-wi",
    "WYOMING": "us-wy",
    "DISTRICTOFCOLUMBIA": "us-dc",
    # "Washington, D.C." must not name Washington state: names are tried longest first.
    "WASHINGTONDC": "us-dc",
    "TAXATIONWITHOUTREPRESENTATION": "us-dc",
}
"""State names as printed on plates, letters only, upper-case (and the District's motto, which
its plates carry where a state's carry the state's name)."""

STATE_WORDS: dict[str, str] = {
    "HAMPSHIRE": "us-nh",  # New Hampshire prints "NEW" small, often unread
    "LIVEFREEORDIE": "us-nh",
    "LANDOFLINCOLN": "us-il",
    "ENCHANTMENT": "us-nm",  # "Land of Enchantment", under a split "NEW" / "MEXICO"
    "CANYONSTATE": "us-az",  # "Grand Canyon State"
    "GREATFACES": "us-sd",  # "Great Faces. Great Places."
    "SILVERSTATE": "us-nv",
    "EMPIRESTATE": "us-ny",
    "SUNSHINESTATE": "us-fl",
    "FIRSTINFLIGHT": "us-nc",
    "FAMOUSPOTATOES": "us-id",
}
"""Words printed on one state's plates alone: part of its name that no other state's holds,
and mottos no other state uses ("Mountain State" is West Virginia's and half Vermont's, so it
is not here). On the US crops labelled by state, 38 of 375 named no state by name alone, 12
of them New Hampshire's (benchmarks.md, "The plate's state")."""

COUNTRY_WORDS: dict[str, str] = {"BRASIL": "br", "BRAZIL": "br", "ARGENTINA": "ar"}

NAME_CONFIDENCE = 0.9
"""Confidence of a region read from a state or country name on the plate."""

MIN_FORMAT_SHARE = 0.7
"""Least posterior share a region group needs before its format alone names it: most layouts
(ABC123, AB123CD, ABC1234) are issued on several continents, and a guess from them would be
wrong about as often as right."""

FORMAT_STATE_CONFIDENCE = 0.6
"""Most confidence a state guessed from the plate's format alone gets: such guesses were right
for 39 of 67 US crops that got one (bench/plate_state.py; the state tables list current series
only, and an older series of another state shares the layout). Under the hot lists'
``state_confidence`` (0.8), so a guess never hides a hit; a state's name read on the plate
does (``NAME_CONFIDENCE``)."""

_LETTERS = re.compile(r"[^A-Z]")
_NAMES_LONGEST_FIRST = sorted(
    {**US_STATE_NAMES, **STATE_WORDS, **COUNTRY_WORDS}.items(), key=lambda nr: -len(nr[0])
)
"""Longest first, so "WESTVIRGINIA" wins over "VIRGINIA"."""


def guess_region(
    plate: str,
    context_text: Sequence[str] = (),
    regions: Sequence[str] = formats.REGION_GROUPS,
) -> tuple[str | None, float]:
    """The likely issuing region ("us-ca", "eu", "br", ...) and a confidence, or (None, 0.0).

    ``regions`` limits the format-based guess to where the deployment sees plates from.
    """
    named = region_from_text(context_text)
    if named is not None:
        return named, NAME_CONFIDENCE
    return region_from_format(plate, regions)


def region_from_text(context_text: Sequence[str]) -> str | None:
    """The region whose name appears in any of the texts, allowing one misread letter."""
    for text in context_text:
        letters = _LETTERS.sub("", text.upper())
        if len(letters) < 4:
            continue
        for name, region in _NAMES_LONGEST_FIRST:
            if name in letters or (len(name) >= 6 and _near_substring(name, letters)):
                return region
    return None


def region_from_format(
    plate: str, regions: Sequence[str] = formats.REGION_GROUPS
) -> tuple[str | None, float]:
    """The region group whose standard formats clearly best explain the plate's layout."""
    groups = list(dict.fromkeys(formats.region_group(r) for r in regions))
    if not plate or not groups:
        return None, 0.0
    likelihood: dict[str, float] = {}
    for group in groups:
        fitted = formats.fit(plate, group)
        likelihood[group] = math.exp(fitted.log_prior) if fitted.standard else 0.0
    total = sum(likelihood.values())
    if total == 0:
        return None, 0.0
    group = max(likelihood, key=lambda g: likelihood[g])
    share = likelihood[group] / total
    if share < MIN_FORMAT_SHARE:
        return None, 0.0
    states = formats.specific_regions(plate, group)
    if group == "us" and len(states) == 1:
        return states[0][0], round(share * FORMAT_STATE_CONFIDENCE, 4)
    return group, round(share * 0.7, 4)


def _near_substring(name: str, text: str) -> bool:
    """Whether ``name`` occurs in ``text`` with at most one substituted letter."""
    for start in range(len(text) - len(name) + 1):
        window = text[start : start + len(name)]
        if sum(a != b for a, b in zip(name, window, strict=True)) <= 1:
            return True
    return False
