"""Plate formats: how likely a string is to be a real plate, by where it was issued.

The reader only sees shapes, so it confuses characters that look alike (8/B, 0/D, 5/S). Issuing
authorities, on the other hand, put letters and digits in fixed slots ("1ABC234" in California,
"ABC1D23" on Mercosul plates). A prior over those layouts lets the chooser prefer the reading that
is both likely to the reader and shaped like a plate, without rewriting what the reader is sure of.

A format is written with ``L`` for a letter slot and ``9`` for a digit slot. Weights are rough
shares of the plates on the road inside their region (current series first); they only need to
rank formats, not to be exact. Vanity and special plates are covered by a generic fallback that
gives any short mix of letters and digits a small probability, so they are never ruled out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

LETTER_SLOT = "L"
DIGIT_SLOT = "9"

_PLATE_RE = re.compile(r"[A-Z0-9]*")

# Per US state: formats of standard passenger plates, most common first.
US_STATE_FORMATS: dict[str, tuple[str, ...]] = {
    "al": ("9L9999L", "99L999L", "9L99999", "99L9999"),
    "ak": ("LLL999",),
    "az": ("LLL9999", "999LLL", "LLL999"),
    "ar": ("999LLL", "LLL99L", "LLL999"),
    "ca": ("9LLL999", "999LLL", "LLL999", "9L99999"),
    "co": ("LLL999", "999LLL", "LLLL99", "LLL9L99"),
    "ct": ("LL99999", "999LLL", "LLL9999", "9LLLL9"),
    "de": ("999999", "99999", "9999"),
    "dc": ("LL9999",),
    "fl": ("LLLL99", "LLL9L99", "999LLL", "LLL999", "L99LLL", "99LLLL"),
    "ga": ("LLL9999", "LLL999", "999LLL"),
    "hi": ("LLL999",),
    "id": ("9L99999", "9L9999", "9LL9999", "99L9999", "LL9999"),
    "il": ("LL99999", "L999999", "LLL9999", "9999999"),
    "in": ("999L", "999LLL", "9999999", "999999L"),
    "ia": ("LLL999", "999LLL", "LLL9999"),
    "ks": ("999LLL",),
    "ky": ("999LLL", "LLL999"),
    "la": ("999LLL", "LLL999"),
    "me": ("9999LL", "999LLL"),
    "md": ("9LL9999", "LLL999"),
    "ma": ("9LLL99", "999LL9", "9LL999", "99LL99"),
    "mi": ("LLL9999", "9LLL99", "LLL999", "LLL9L9"),
    "mn": ("999LLL", "LLL999"),
    "ms": ("LLL9999", "LLL999"),
    "mo": ("LL9L9L",),
    "mt": ("999999L", "99999L", "LLL999"),
    "ne": ("LLL999", "99L999", "9L9999"),
    "nv": ("999L99", "999LLL", "99L999"),
    "nh": ("9999999", "999999", "999LLL"),
    "nj": ("L99LLL", "LLL99L", "LL99LLL"),
    "nm": ("LLL999", "999LLL", "LLLL99"),
    "ny": ("LLL9999", "LLL999"),
    "nc": ("LLL9999", "LLL999"),
    "nd": ("999LLL", "LLL999"),
    "oh": ("LLL9999", "LL99LL"),
    "ok": ("LLL999", "999LLL"),
    "or": ("999LLL", "LLL999"),
    "pa": ("LLL9999", "LLL999"),
    "ri": ("999999", "99999", "LL999", "9LL999"),
    "sc": ("LLL999", "999LLL", "LLL99L"),
    "sd": ("9L9999", "99L999", "9L999", "99L9999"),
    "tn": ("LLL999", "999LLL", "9L99L9"),
    "tx": ("LLL9999", "LL9L999", "999LLL", "LLL999"),
    "ut": ("L999LL", "999L9", "9L9LL", "L99LL"),
    "vt": ("LLL999", "999L999"),
    "va": ("LLL9999", "LLL999", "999LLL"),
    "wa": ("LLL9999", "999LLL", "999L999"),
    "wv": ("9LL999", "99L999", "L99999"),
    "wi": ("LLL9999", "999LLL", "LLL999"),
    "wy": ("99999", "999999", "9999"),
}

US_STATE_VEHICLES_M: dict[str, float] = {
    "ca": 30.0,
    "tx": 23.0,
    "fl": 18.0,
    "ny": 11.0,
    "pa": 10.0,
    "oh": 10.0,
    "il": 10.0,
    "mi": 8.5,
    "ga": 8.5,
    "nc": 8.5,
    "va": 7.5,
    "wa": 7.0,
    "nj": 6.0,
    "az": 6.0,
    "in": 6.0,
    "tn": 5.5,
    "mo": 5.5,
    "wi": 5.5,
    "ma": 5.0,
    "mn": 5.0,
    "co": 5.0,
    "al": 5.0,
    "sc": 4.5,
    "md": 4.5,
    "la": 4.0,
    "ky": 4.0,
    "or": 4.0,
    "ok": 3.5,
    "ia": 3.5,
    "ct": 3.0,
    "ut": 2.5,
    "ar": 2.5,
    "ks": 2.5,
    "nv": 2.5,
    "ms": 2.0,
    "nm": 2.0,
    "ne": 2.0,
    "id": 2.0,
    "wv": 1.5,
    "mt": 1.5,
    "nh": 1.3,
    "hi": 1.2,
    "sd": 1.2,
    "me": 1.1,
    "de": 1.0,
    "nd": 1.0,
    "ri": 0.9,
    "ak": 0.8,
    "wy": 0.8,
    "vt": 0.6,
    "dc": 0.3,
}
"""Rough registered vehicles per state, in millions: a state's share of the US plates seen."""

# Per European country: standard passenger formats (separators and dashes dropped).
EU_COUNTRY_FORMATS: dict[str, tuple[str, ...]] = {
    "de": tuple(
        "L" * a + "L" * b + "9" * d
        for a in (1, 2, 3)
        for b in (1, 2)
        for d in (1, 2, 3, 4)
        if a + b + d <= 8
    ),
    "fr": ("LL999LL",),
    "it": ("LL999LL",),
    "es": ("9999LLL",),
    "nl": (
        "LL9999",
        "9999LL",
        "99LL99",
        "LL99LL",
        "LLLL99",
        "99LLLL",
        "99LLL9",
        "9LLL99",
        "LL999L",
        "L999LL",
        "LLL99L",
        "L99LLL",
        "9LL999",
        "999LL9",
    ),
    "uk": ("LL99LLL", "L999LLL", "LLL999L"),
    "pl": ("LL99999", "LLL9999", "LL9999L", "LLL99LL", "LL999LL", "LLL999L"),
    "cz": ("9L99999", "9LL9999", "9L9999"),
    "sk": ("LL999LL",),
    "hr": ("LL999LL", "LL9999LL", "LL999L", "LL9999L"),
    "rs": ("LL999LL", "LL9999LL"),
    "bg": ("L9999LL", "LL9999LL"),
    "ro": ("LL99LLL", "L99LLL", "L999LLL"),
    "hu": ("LLL999", "LLLL999"),
    "be": ("9LLL999",),
    "pt": ("LL99LL", "99LL99", "9999LL", "LL9999"),
    "ch": ("LL999999", "LL99999", "LL9999"),
    "dk": ("LL99999",),
    "se": ("LLL999", "LLL99L"),
    "no": ("LL99999",),
    "fi": ("LLL999", "LL999"),
    "at": ("L9999L", "LL999LL", "L999LL", "LL99LL"),
    "gr": ("LLL9999",),
    "ie": ("99L9999", "99LL9999", "99L99999", "999L9999"),
    "lt": ("LLL999",),
    "lv": ("LL9999",),
    "ee": ("999LLL",),
    "si": ("LL99LLL", "LLL999"),
}

SOUTH_AMERICA_FORMATS: dict[str, tuple[str, ...]] = {
    "br": ("LLL9999", "LLL9L99"),
    "ar": ("LLL999", "LL999LL", "999LLL", "L999LLL"),
}

REGION_GROUPS: tuple[str, ...] = ("us", "eu", "br", "ar")
"""The groups a region code starts with; "us-ca" belongs to "us"."""

GENERIC_SHARE = 0.08
"""Share of each region's plates outside its standard formats (vanity, special, old series)."""

GENERIC_LENGTHS = range(2, 11)
"""Lengths a generic (vanity or special) plate may have."""

_LAYOUT_SHARE = (0.6, 0.25, 0.1, 0.05)
"""How a state's listed formats share its standard plates, most common first; the rest split 0.05."""


@dataclass(frozen=True)
class FormatFit:
    """How a plate string fits the formats of one region."""

    region: str
    """The most specific region whose formats explain the plate best (e.g. "us-ca" or "us")."""
    layout: str
    """The format it fits, or its own letter/digit layout when only the generic fallback fits."""
    log_prior: float
    """log P(layout | region group); generic layouts get a small share."""
    standard: bool
    """True when the layout is a listed format rather than the generic fallback."""


def layout_of(plate: str) -> str:
    """The letter/digit layout of a plate, e.g. "7ABC123" -> "9LLL999"."""
    return "".join(DIGIT_SLOT if c.isdigit() else LETTER_SLOT for c in plate)


def fits_layout(plate: str, layout: str) -> bool:
    """Whether a plate fits a layout, taking O and 0 as one character (plates print either)."""
    if len(plate) != len(layout):
        return False
    for char, slot in zip(plate, layout, strict=True):
        if char in "0O":
            continue
        if (slot == DIGIT_SLOT) != char.isdigit():
            return False
    return True


def spell_for_layout(plate: str, layout: str) -> str:
    """Write O in letter slots and 0 in digit slots, the way the plate itself prints them."""
    if len(plate) != len(layout):
        return plate
    out = []
    for char, slot in zip(plate, layout, strict=True):
        if char in "0O":
            char = "0" if slot == DIGIT_SLOT else "O"
        out.append(char)
    return "".join(out)


def region_group(region: str) -> str:
    return region.split("-", 1)[0]


def known_regions() -> tuple[str, ...]:
    """Every region code with formats: the groups and their states or countries."""
    return REGION_GROUPS + tuple(_region_tables().keys())


@lru_cache(maxsize=1)
def _region_tables() -> dict[str, dict[str, float]]:
    """For each specific region (us-ca, eu-fr, br, ar): layout -> share of its standard plates."""
    tables: dict[str, dict[str, float]] = {}
    sources: list[tuple[str, dict[str, tuple[str, ...]]]] = [
        ("us-", US_STATE_FORMATS),
        ("eu-", EU_COUNTRY_FORMATS),
        ("", SOUTH_AMERICA_FORMATS),
    ]
    for prefix, table in sources:
        for code, layouts in table.items():
            tables[prefix + code] = _shares(layouts)
    return tables


def _shares(layouts: Sequence[str]) -> dict[str, float]:
    shares: dict[str, float] = {}
    listed = list(dict.fromkeys(layouts))
    tail = len(listed) - len(_LAYOUT_SHARE)
    weights = [
        _LAYOUT_SHARE[i] if i < len(_LAYOUT_SHARE) else 0.05 / max(tail, 1)
        for i in range(len(listed))
    ]
    total = sum(weights)
    for layout, weight in zip(listed, weights, strict=True):
        shares[layout] = weight / total
    return shares


@lru_cache(maxsize=64)
def _group_table(region: str) -> dict[str, float]:
    """layout -> P(layout | region) for a group ("us") or one specific region ("us-ca")."""
    tables = _region_tables()
    if region in tables:
        members = [region]
    else:
        members = [code for code in tables if region_group(code) == region]
    if not members:
        raise KeyError(region)
    weights = {code: _member_weight(code) for code in members}
    total = sum(weights.values())
    mixed: dict[str, float] = {}
    for code in members:
        member_share = weights[code] / total * (1 - GENERIC_SHARE)
        for layout, share in tables[code].items():
            mixed[layout] = mixed.get(layout, 0.0) + share * member_share
    return mixed


def _member_weight(code: str) -> float:
    """US states weigh by their vehicles; other regions' members weigh equally."""
    if code.startswith("us-"):
        return US_STATE_VEHICLES_M.get(code[3:], 1.0)
    return 1.0


def _generic_log_prior(length: int) -> float:
    """Every letter/digit layout of a generic length shares GENERIC_SHARE equally."""
    if length not in GENERIC_LENGTHS:
        return math.log(GENERIC_SHARE * 1e-4)
    per_length = GENERIC_SHARE / len(GENERIC_LENGTHS)
    return math.log(per_length / 2**length)


def fit(plate: str, region: str) -> FormatFit:
    """How well a plate fits one region (a group such as "us" or a state such as "us-ca")."""
    if not _PLATE_RE.fullmatch(plate):
        raise ValueError(f"{plate!r}: not a normalised plate (A-Z0-9 only)")
    table = _group_table(region)
    best_layout, best_share = "", 0.0
    for layout, share in table.items():
        if share > best_share and fits_layout(plate, layout):
            best_layout, best_share = layout, share
    generic = _generic_log_prior(len(plate))
    if best_share and math.log(best_share) > generic:
        return FormatFit(region, best_layout, math.log(best_share), True)
    return FormatFit(region, layout_of(plate), generic, False)


def best_fit(plate: str, regions: Iterable[str] = REGION_GROUPS) -> FormatFit:
    """The region among ``regions`` whose formats make the plate most likely."""
    fits = [fit(plate, r) for r in regions]
    if not fits:
        raise ValueError("no regions given")
    return max(fits, key=lambda f: (f.log_prior, f.standard))


def log_prior(plate: str, regions: Sequence[str] = REGION_GROUPS) -> float:
    """log P(plate's layout) when the plate comes from one of ``regions``, each equally likely."""
    total = sum(math.exp(fit(plate, r).log_prior) for r in regions) / max(len(regions), 1)
    return math.log(total) if total > 0 else -math.inf


def specific_regions(plate: str, group: str) -> list[tuple[str, float]]:
    """The states or countries of a group whose own formats fit the plate, with their share."""
    out = []
    for code, table in _region_tables().items():
        if region_group(code) != group:
            continue
        share = max((s for lay, s in table.items() if fits_layout(plate, lay)), default=0.0)
        if share:
            out.append((code, share))
    return sorted(out, key=lambda cs: -cs[1])
