"""Partial patterns: ? is one character, * any run, checked before they reach SQL."""

from __future__ import annotations

import fnmatch
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateward.errors import InvalidInput
from plateward.search.patterns import LIKE_ESCAPE, like_pattern, normalise_pattern

PLATE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("typed", "pattern", "like"),
    [
        ("7b3*", "7B3*", "7B3%"),
        ("*kx?9*", "*KX?9*", "%KX_9%"),
        ("7B3 **K", "7B3*K", "7B3%K"),
        ("7-B3-?", "7B3?", "7B3_"),
        ("ABC123", "ABC123", "ABC123"),
    ],
)
def test_patterns_are_normalised_and_translated(typed: str, pattern: str, like: str) -> None:
    assert normalise_pattern(typed) == pattern
    assert like_pattern(pattern) == like


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("*", "at least one known"),
        ("??*?", "at least one known"),
        ("", "at least one known"),
        ("7B%", "not %"),
        ("7B_3", "not _"),
        ("7B[3]", "not [ ]"),
        ("7BÉ3", "not É"),
        ("A" * 21, "longer than"),
    ],
)
def test_bad_patterns_are_refused(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput, match="pattern") as raised:
        normalise_pattern(typed)
    assert says in raised.value.message


def test_sql_wildcards_in_text_are_escaped_by_the_translation() -> None:
    # Validation already refuses them; the translation is safe on its own all the same.
    assert like_pattern("A%_\\") == "A\\%\\_\\\\"


plates = st.text(alphabet=PLATE_CHARS, min_size=1, max_size=10)
patterns = st.text(alphabet=PLATE_CHARS[:4] + "ABC?*", min_size=1, max_size=8).filter(
    lambda p: p.strip("?*") != ""
)


@settings(max_examples=300)
@given(plate=st.one_of(plates, st.text(alphabet="0123ABC", min_size=1, max_size=8)), typed=patterns)
def test_sql_like_matches_exactly_what_shell_wildcards_would(plate: str, typed: str) -> None:
    pattern = normalise_pattern(typed)
    with sqlite3.connect(":memory:") as db:
        (matched,) = db.execute(
            "SELECT ? LIKE ? ESCAPE ?", (plate, like_pattern(pattern), LIKE_ESCAPE)
        ).fetchone()
    assert bool(matched) == fnmatch.fnmatchcase(plate, pattern)
